// usePresenter.ts: presenter mode (link flag present=1) for a projector. The arrow keys step the
// guided tour (unless a control or a chart has the keys), and the charts are zoomed: they get a
// narrower coordinate system drawn at full width, which scales their text and lines up.
import { useEffect } from 'react';

export function usePresenter(present: boolean, width: number, step: number, setStep: (step: number) => void): { chartWidth: number } {
  useEffect(() => {
    if (!present) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, select, textarea, svg, [role=radiogroup]')) return;
      if (e.key === 'ArrowRight') setStep(step + 1);
      else if (e.key === 'ArrowLeft') setStep(step - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [present, step, setStep]);
  const zoom = present ? Math.max(1.15, width / 1100) : 1;
  return { chartWidth: Math.round(width / zoom) };
}
