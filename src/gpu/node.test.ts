// Which adapter the command line and the tests get (src/gpu/node.ts): pure choice, fake probes.
import { describe, expect, it } from 'vitest';
import { adapterCandidates, firstAdapter, parseAdapterRequest, type AdapterCandidate } from './node.ts';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Runs the choice against a machine: `own` is the adapter its own drivers give (null: none). */
async function choose(request: Parameters<typeof adapterCandidates>[0], env: string | undefined, own: string | null, swiftshader: string | null = ICD) {
  const probed: AdapterCandidate[] = [];
  const chosen = await firstAdapter(adapterCandidates(request, env, swiftshader), async (c) => {
    probed.push(c);
    if (c.icd === ICD) return 'SwiftShader';
    return env ?? own; // no icd: the environment as it is
  });
  return { chosen: chosen && { icd: chosen.candidate.icd, adapter: chosen.found, reason: chosen.candidate.reason }, probed: probed.length };
}

describe('adapter selection (--adapter)', () => {
  it('auto takes the machine\'s own adapter when there is one, without trying SwiftShader', async () => {
    expect(await choose('auto', undefined, 'NVIDIA GeForce RTX 4070')).toEqual({
      chosen: { icd: null, adapter: 'NVIDIA GeForce RTX 4070', reason: "the machine's own adapter" }, probed: 1,
    });
  });

  it('auto falls back to SwiftShader only when the machine has no adapter, and says so', async () => {
    const r = await choose('auto', undefined, null);
    expect(r.chosen).toEqual({ icd: ICD, adapter: 'SwiftShader', reason: 'no GPU adapter found; falling back to SwiftShader, software and slow' });
    expect(r.probed).toBe(2);
    // without chromium's SwiftShader (macOS, Windows) there is nothing to fall back to
    expect(await choose('auto', undefined, null, null)).toEqual({ chosen: null, probed: 1 });
  });

  it('swiftshader is used when forced, even with a GPU present or another driver in VK_ICD_FILENAMES', async () => {
    for (const env of [undefined, '/usr/share/vulkan/icd.d/nvidia_icd.json']) {
      const r = await choose('swiftshader', env, 'NVIDIA GeForce RTX 4070');
      expect(r.chosen).toEqual({ icd: ICD, adapter: 'SwiftShader', reason: '--adapter swiftshader' });
    }
    expect(() => adapterCandidates('swiftshader', undefined, null)).toThrow(/SwiftShader is not installed .*sudo apt-get install chromium/);
  });

  it('a VK_ICD_FILENAMES set by the user is obeyed with no fallback (the tests set SwiftShader\'s)', async () => {
    expect(adapterCandidates('auto', ICD, ICD)).toEqual([{ icd: null, reason: `the Vulkan driver in VK_ICD_FILENAMES=${ICD}` }]);
    const r = await choose('auto', ICD, 'NVIDIA GeForce RTX 4070');
    expect(r.chosen).toEqual({ icd: null, adapter: ICD, reason: `the Vulkan driver in VK_ICD_FILENAMES=${ICD}` });
    expect(await choose('auto', '/nonexistent.json', null).then((x) => x.probed)).toBe(1);
  });

  it('default uses only the machine\'s own adapter', async () => {
    expect(adapterCandidates('default', undefined, ICD)).toEqual([{ icd: null, reason: "the machine's own adapter" }]);
    expect(await choose('default', undefined, null)).toEqual({ chosen: null, probed: 1 });
  });

  it('parses --adapter values and refuses others', () => {
    expect(parseAdapterRequest('swiftshader')).toBe('swiftshader');
    expect(() => parseAdapterRequest('gpu')).toThrow('--adapter must be one of auto, default, swiftshader, got "gpu"');
  });
});
