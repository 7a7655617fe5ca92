// Presets resolve, and a config is recognised as the preset it was made from (any data).
import { describe, expect, it } from 'vitest';
import { PRESETS, presetById, presetOf } from './presets.ts';
import { resolveConfig } from './config.ts';

describe('presets', () => {
  it('resolve, and are recognised whatever the data', () => {
    for (const p of PRESETS) {
      expect(presetOf(resolveConfig(p.config))?.id).toBe(p.id);
      expect(presetOf(resolveConfig({ ...p.config, data: { corpus: 'copy' } }))?.id).toBe(p.id);
      expect(presetById(p.id)).toBe(p);
      for (const alias of p.aliases ?? []) expect(presetById(alias)).toBe(p);
    }
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(presetById('nope')).toBeNull();
    const tiny = presetById('tiny')!;
    expect(presetOf(resolveConfig({ ...tiny.config, train: { ...tiny.config.train, seed: 4 } }))).toBeNull();
  });
});
