// Panel.tsx: a titled side panel that folds away (a native <details>, so it opens with Enter or
// Space from the keyboard), keeping the charts in view on a small screen.
import { useId, type ReactNode } from 'react';

interface Props {
  title: string;
  /** a one-line summary shown next to the title, e.g. the config in use */
  summary?: string;
  defaultOpen?: boolean;
  children: ReactNode;
}

export function Panel({ title, summary, defaultOpen = true, children }: Props) {
  const id = useId();
  return (
    <details className="panel" open={defaultOpen} aria-labelledby={`${id}-h`}>
      <summary>
        <h2 id={`${id}-h`}>{title}</h2>
        {summary && <span className="panel-summary">{summary}</span>}
      </summary>
      {children}
    </details>
  );
}
