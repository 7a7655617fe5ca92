// ErrorBoundary.tsx: one failing chart or view shows what failed in its place, and the rest of the
// page (and the training behind it) carries on.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** the view, as a reader knows it, e.g. "losses" */
  view: string;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`the ${this.props.view} view failed`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="error" data-testid="view-error">
        This chart failed: {this.props.view} — {error.message || String(error)}{' '}
        {/* new data may well render: let the reader try without reloading the page */}
        <button onClick={() => this.setState({ error: null })}>Try again</button>
      </div>
    );
  }
}
