import { describe, expect, it } from 'vitest';
import { ALPHAS, linearProbe } from './probe.ts';
import { Rng } from '../util/rng.ts';

/** N points around K random class centres in C dims; centre scale vs noise sets the separability. */
function clusters(rng: Rng, N: number, C: number, K: number, centreScale: number, noise: number) {
  const centres = rng.fillNormal(new Float64Array(K * C), centreScale);
  const labels = new Int32Array(N);
  const x = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    const k = rng.int(K);
    labels[n] = k;
    for (let c = 0; c < C; c++) x[n * C + c] = 7 + centres[k * C + c] + noise * rng.normal(); // offset: standardisation
  }
  return { x, labels };
}

describe('linearProbe', () => {
  const [N, C, K] = [2000, 24, 6];

  it('linearly separable classes: ~100% held-out accuracy', () => {
    const { x, labels } = clusters(new Rng(1, 'probe'), N, C, K, 3, 0.5);
    const r = linearProbe(x, labels, N, C, K, { seed: 1 });
    expect(r.nTrain + r.nVal + r.nTest).toBe(N);
    expect(r.nTest).toBe(400);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.995);
    expect(r.fitAccuracy).toBeGreaterThanOrEqual(0.995);
    expect(r.chance).toBeLessThan(0.3);
    expect(ALPHAS).toContain(r.alpha);
  });

  it('shuffled labels: chance level (within 4 standard errors of 1/K)', () => {
    const rng = new Rng(2, 'probe');
    const { x, labels } = clusters(rng, N, C, K, 3, 0.5);
    for (let i = N - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [labels[i], labels[j]] = [labels[j], labels[i]];
    }
    const r = linearProbe(x, labels, N, C, K, { seed: 2 });
    const se = Math.sqrt((1 / K) * (1 - 1 / K) / r.nTest);
    expect(Math.abs(r.accuracy - 1 / K)).toBeLessThan(4 * se);
    expect(r.fitAccuracy).toBeLessThan(0.35); // nothing to learn: no fit either
  });

  it('partly separable data lands in between and picks a ridge strength by validation', () => {
    const { x, labels } = clusters(new Rng(3, 'probe'), N, C, K, 0.35, 1);
    const r = linearProbe(x, labels, N, C, K, { seed: 3 });
    expect(r.accuracy).toBeGreaterThan(0.35);
    expect(r.accuracy).toBeLessThan(0.95);
    expect(r.valAccuracies.length).toBe(ALPHAS.length);
    expect(r.valAccuracies[ALPHAS.indexOf(r.alpha as (typeof ALPHAS)[number])]).toBe(Math.max(...r.valAccuracies));
  });

  it('is deterministic, tolerates constant features, and checks its inputs', () => {
    const { x, labels } = clusters(new Rng(4, 'probe'), 300, 5, 3, 2, 0.5);
    for (let n = 0; n < 300; n++) x[n * 5 + 2] = 1.5; // a constant feature
    const a = linearProbe(x, labels, 300, 5, 3, { seed: 9 });
    expect(linearProbe(x, labels, 300, 5, 3, { seed: 9 })).toEqual(a);
    expect(Number.isFinite(a.accuracy)).toBe(true);
    expect(a.accuracy).toBeGreaterThan(0.9);
    labels[7] = 3;
    expect(() => linearProbe(x, labels, 300, 5, 3)).toThrow(/label 3/);
  });
});
