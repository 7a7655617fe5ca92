// Exportable.tsx: a chart with "SVG" and "PNG" download buttons.
import { useRef, useState, type ReactNode } from 'react';
import { chartSvg, downloadBlob, svgToPng } from './chartExport.ts';

interface Props {
  /** file name without extension, e.g. "losses" */
  name: string;
  children: ReactNode;
}

export function Exportable({ name, children }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (kind: 'svg' | 'png') => {
    try {
      setError(null);
      const markup = chartSvg(ref.current!);
      const blob = kind === 'svg' ? new Blob([markup], { type: 'image/svg+xml' }) : await svgToPng(markup);
      downloadBlob(`nitp-lab-${name}.${kind}`, blob);
    } catch (e) {
      setError(`Could not export ${name}: ${(e as Error).message}`);
    }
  };
  return (
    <div className="exportable">
      <div ref={ref}>{children}</div>
      <div className="export-buttons">
        <button onClick={() => save('svg')} aria-label={`Download ${name} as SVG`}>SVG</button>
        <button onClick={() => save('png')} aria-label={`Download ${name} as PNG`}>PNG</button>
      </div>
      {error && <div className="error" role="alert">{error}</div>}
    </div>
  );
}
