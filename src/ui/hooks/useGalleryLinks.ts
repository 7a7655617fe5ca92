// useGalleryLinks.ts: the gallery as links meet it. `run=gallery/<id>` opens that gallery run;
// without WebGPU a preset link opens the preset's gallery run (view only) instead of leaving the
// page empty; and a preset link draws the preset's gallery run faintly beneath the live pair, the
// result to expect — only while the live config is exactly the gallery run's.
import { useEffect, useMemo } from 'react';
import type { RunConfig } from '../../model/config.ts';
import { presetOf } from '../../model/presets.ts';
import type { SharedExperiment } from '../../share/url.ts';
import type { RunFileContent } from '../../share/runFile.ts';
import { fetchGalleryIndex, fetchGalleryRun } from '../controls/GalleryPanel.tsx';
import type { ViewKind } from './useEngine.ts';
import type { Overlay } from './useOverlays.ts';

interface Options {
  shared: SharedExperiment | null;
  webgpu: boolean;
  /** the live pair's config; null while a run from a file is shown */
  liveConfig: RunConfig | null;
  view: (content: RunFileContent, name: string, kind: ViewKind, galleryId?: string) => void;
  setReference: (overlay: Omit<Overlay, 'color'> | null) => void;
  onError: (message: string) => void;
}

export function useGalleryLinks({ shared, webgpu, liveConfig, view, setReference, onError }: Options): (id: string) => Promise<void> {
  const open = async (id: string) => {
    const [content, index] = await Promise.all([fetchGalleryRun(id), fetchGalleryIndex().catch(() => [])]);
    view(content, `gallery: ${index.find((e) => e.id === id)?.name ?? id}`, 'gallery', id);
  };
  // (again when the engine finds no adapter after all)
  useEffect(() => {
    const id = shared?.run ?? (!webgpu ? shared?.preset : null);
    if (id) open(id).catch((e: Error) => onError(`${e.message}.`));
  }, [webgpu]);
  // memoised: this runs with every metrics batch, and presetOf resolves and compares every preset
  const livePreset = useMemo(() => (liveConfig ? presetOf(liveConfig)?.id ?? null : null), [liveConfig]);
  useEffect(() => {
    setReference(null);
    if (!liveConfig || !livePreset || livePreset !== shared?.preset) return;
    let current = true;
    // only what the index lists is fetched: no request for a preset the gallery does not have
    fetchGalleryIndex().then((index) => (index.some((e) => e.id === livePreset) ? fetchGalleryRun(livePreset) : null)).then((c) => {
      if (!c) return;
      if (current && JSON.stringify(c.info.config) === JSON.stringify(liveConfig)) {
        setReference({ id: `gallery-${livePreset}`, name: 'gallery run (trained earlier)', history: c.history, evals: c.evals });
      }
    }, () => undefined); // no gallery run of this preset: nothing to draw
    return () => { current = false; };
  }, [livePreset, liveConfig]);
  return open;
}
