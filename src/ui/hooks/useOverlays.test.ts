// The gallery reference is drawn a little ahead of the live run, never squeezing its first steps.
import { describe, expect, it } from 'vitest';
import { referenceHorizon } from './useOverlays.ts';

describe('referenceHorizon', () => {
  it('shows at least 60 steps, then half the live steps again', () => {
    expect(referenceHorizon(0)).toBe(60);
    expect(referenceHorizon(30)).toBe(60);
    expect(referenceHorizon(60)).toBe(90);
    expect(referenceHorizon(300)).toBe(450);
  });
});
