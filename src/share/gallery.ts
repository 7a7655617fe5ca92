// gallery.ts: what the gallery's index (public/gallery/index.json) lists, written by
// `npm run gallery` (scripts/gallery.ts) and read by the Gallery panel.

export interface GalleryEntry {
  /** the preset's id, and the file's name without .json */
  id: string;
  name: string;
  description: string;
  steps: number;
  /** the adapter the runs were trained on */
  adapter: string;
  /** `step.hash`, as the run file's own fingerprint */
  fingerprint: string;
  file: string;
}

/**
 * The kernels the gallery's runs are trained and re-checked with (gpu/kernels.ts): fixed, not
 * tuned, so a re-run on the same kind of adapter reproduces the files bit for bit whatever the
 * autotuner would pick there.
 */
export const GALLERY_KERNELS = 'registers';

/** A gallery id as links carry it (`run=gallery/<id>`): lower-case letters, digits and dashes only. */
export const GALLERY_ID = /^[a-z0-9-]{1,40}$/;
