// useStableCallback.ts: a function of fixed identity that calls the latest `fn` — for event
// handlers handed to memoised panels, so that a metrics batch (which re-renders App and gives
// useEngine's commands new closures) does not re-render panels whose data did not change.
// Invariant: call the result from event handlers and effects, never during rendering (it sees
// `fn` as of the last commit, like React's useEffectEvent).
import { useCallback, useLayoutEffect, useRef } from 'react';

export function useStableCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latest = useRef(fn);
  useLayoutEffect(() => {
    latest.current = fn;
  });
  return useCallback((...args: A) => latest.current(...args), []);
}
