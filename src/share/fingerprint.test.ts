// The result fingerprint changes with any loss bit at a hashed step and needs every hashed step.
import { describe, expect, it } from 'vitest';
import { fingerprint, parseFingerprint } from './fingerprint.ts';
import type { StepMetrics } from '../train/protocol.ts';

const history = (n: number, offset = 0): StepMetrics[] => Array.from({ length: n }, (_, i) => ({
  step: i + 1, lr: 1e-3, loss: Math.fround(4 - i * 0.01 + offset), ntp: 0, aux: null, gradNorm: 1, clipScale: 1,
}));

describe('result fingerprint', () => {
  it('is 12 hex digits, stable, and changes with one bit of one hashed loss', async () => {
    const a = await fingerprint([history(55), history(55, 0.5)], 55);
    expect(a).toEqual({ step: 55, hash: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(await fingerprint([history(55), history(55, 0.5)], 55)).toEqual(a);
    const nudged = history(55);
    const bits = new Float32Array([nudged[29].loss]);
    new Uint32Array(bits.buffer)[0] ^= 1; // the last bit of step 30's loss
    nudged[29] = { ...nudged[29], loss: bits[0] };
    expect((await fingerprint([nudged, history(55, 0.5)], 55))!.hash).not.toBe(a!.hash);
    // steps between the hashed ones do not count
    const between = history(55);
    between[33] = { ...between[33], loss: 99 };
    expect(await fingerprint([between, history(55, 0.5)], 55)).toEqual(a);
    // swapping the runs changes it
    expect((await fingerprint([history(55, 0.5), history(55)], 55))!.hash).not.toBe(a!.hash);
  });

  it('is null when a hashed step is missing', async () => {
    expect(await fingerprint([history(40), history(55)], 55)).toBeNull();
  });

  it('parses step.hash and refuses anything else', () => {
    expect(parseFingerprint('500.0123456789ab')).toEqual({ step: 500, hash: '0123456789ab' });
    for (const bad of ['500', '500.0123', '0.0123456789ab', 'x.0123456789ab', '500.0123456789AB', '500.0123456789abc']) {
      expect(parseFingerprint(bad), bad).toBeNull();
    }
  });
});
