// Presets resolve, and a config is recognised as the preset it was made from (any data).
import { describe, expect, it } from 'vitest';
import { PRESETS, presetOf } from './presets.ts';
import { resolveConfig } from './config.ts';

describe('presets', () => {
  it('resolve, and are recognised whatever the data', () => {
    for (const p of PRESETS) {
      expect(presetOf(resolveConfig(p.config))).toBe(p.name);
      expect(presetOf(resolveConfig({ ...p.config, data: { corpus: 'copy' } }))).toBe(p.name);
    }
    const tiny = PRESETS.find((p) => p.name === 'Tiny and fast')!;
    expect(presetOf(resolveConfig({ ...tiny.config, train: { ...tiny.config.train, seed: 4 } }))).toBeNull();
  });
});
