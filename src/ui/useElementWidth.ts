// useElementWidth.ts: the width of an element, kept current with a ResizeObserver, so charts
// resize with the window.
import { useEffect, useRef, useState } from 'react';

export function useElementWidth<E extends HTMLElement>(fallback = 640): [React.RefObject<E | null>, number] {
  const ref = useRef<E | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(200, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
