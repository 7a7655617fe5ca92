import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.ts';
import {
  NAMES, initParams, modelShape, padParams, paddedLayout, paddedVocab, paramLayout, parameterSpecs, unembeddingName,
  unpadParams,
} from './params.ts';

const config = (tie: boolean, lambda: number) =>
  resolveConfig({ model: { contextLength: 16, nLayer: 2, dModel: 32, nHead: 2, tieEmbeddings: tie }, nitp: { lambda } });

describe('the padded vocabulary layout', () => {
  it('rounds V up to a multiple of 4', () => {
    expect([1, 4, 7, 8, 85, 88].map((V) => paddedVocab(V))).toEqual([4, 4, 8, 8, 88, 88]);
    expect(paddedVocab(85, 1)).toBe(85);
    expect(() => paddedVocab(85, 0)).toThrow(/positive integer/);
  });

  for (const [tie, lambda] of [[true, 1], [false, 0], [false, 1]] as const) {
    for (const V of [1, 7, 85, 88]) {
      it(`V=${V}, ${tie ? 'tied' : 'untied'}, λ=${lambda}: only the unembedding grows; pad/unpad round-trip; the gap`, () => {
        const c = config(tie, lambda);
        const shape = modelShape(c, V);
        const pl = paddedLayout(c, shape);
        const unpadded = paramLayout(parameterSpecs(c, shape));
        expect(pl.unpadded).toEqual(unpadded);
        expect(pl.Vp).toBe(paddedVocab(V));
        const name = unembeddingName(c);
        expect(name).toBe(tie ? NAMES.wte : NAMES.lmHead);
        for (const t of unpadded.tensors) {
          const p = pl.layout.byName.get(t.name)!;
          expect(p.shape, t.name).toEqual(t.name === name ? [pl.Vp, 32] : t.shape);
          expect(p.offset % 64).toBe(0);
          // tensors before the unembedding's end stay, later ones move by the gap
          expect(p.offset, t.name).toBe(t.offset + (t.offset >= pl.gap.at ? pl.gap.floats : 0));
        }
        expect(pl.layout.totalFloats).toBe(unpadded.totalFloats + pl.gap.floats);
        if (V % 4 === 0) expect(pl.layout).toEqual(unpadded);

        // the initial weights of the run, padded and back: the same floats, the padding 0
        const init = initParams(unpadded, 7, 2);
        const padded = padParams(pl, init);
        expect(padded.length).toBe(pl.layout.totalFloats);
        expect(unpadParams(pl, padded)).toEqual(init);
        const slot = pl.layout.byName.get(name)!;
        const real = unpadded.byName.get(name)!;
        expect(Array.from(padded.subarray(slot.offset, slot.offset + real.size))).toEqual(Array.from(init.subarray(real.offset, real.offset + real.size)));
        expect(padded.subarray(slot.offset + real.size, slot.offset + slot.size).every((x) => x === 0)).toBe(true);
        let nonzero = 0;
        for (const x of padded) if (x !== 0) nonzero++;
        let nonzeroInit = 0;
        for (const x of init) if (x !== 0) nonzeroInit++;
        expect(nonzero).toBe(nonzeroInit);
      });
    }
  }

  it('multiple 1 is the unpadded layout; sizes are checked', () => {
    const c = config(true, 1);
    const shape = modelShape(c, 85);
    const pl = paddedLayout(c, shape, 1);
    expect(pl.layout).toEqual(pl.unpadded);
    expect(pl.gap).toEqual({ at: pl.unpadded.byName.get(NAMES.wpe)!.offset, floats: 0 });
    const padded = paddedLayout(c, shape);
    expect(() => padParams(padded, new Float32Array(padded.layout.totalFloats))).toThrow(/expected/);
    expect(() => unpadParams(padded, new Float32Array(padded.unpadded.totalFloats))).toThrow(/expected/);
  });
});
