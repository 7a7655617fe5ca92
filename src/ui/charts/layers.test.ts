// layers.test.ts: layer names, depth order and the shared chance level of the probe chart.
import { describe, expect, it } from 'vitest';
import { commonValue, layerLabel, orderLayers } from './layers.ts';

describe('probe chart helpers', () => {
  it('orders layers by depth with final last, across runs', () => {
    const a = [{ layer: 'final' as const }, { layer: 2 }, { layer: 0 }];
    const b = [{ layer: 1 }, { layer: 2 }];
    expect(orderLayers([a, b])).toEqual([0, 1, 2, 'final']);
    expect(orderLayers([])).toEqual([]);
  });

  it('names layers', () => {
    expect(layerLabel(0)).toBe('embed');
    expect(layerLabel(3)).toBe('block 3');
    expect(layerLabel('final')).toBe('final h');
  });

  it('finds a common chance level, or none', () => {
    expect(commonValue([0.18, 0.18, 0.18])).toBe(0.18);
    expect(commonValue([0.18, 0.19])).toBeNull();
    expect(commonValue([])).toBeNull();
    expect(commonValue([0.1, Number.NaN])).toBeNull();
  });
});
