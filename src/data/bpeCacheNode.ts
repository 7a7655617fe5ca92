// bpeCacheNode.ts (Node only): the BPE cache as JSON files, default directory .cache/bpe/ at the
// repo root, one file per key. Files are written to a temporary name and renamed, so a
// concurrent reader never sees half a file. A missing file is a miss; an unreadable one throws
// (trainOrLoadBpe reports it and retrains, overwriting it).

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BpeJSON } from './bpe.ts';
import type { BpeCache } from './bpeCache.ts';
import { REPO_ROOT } from './nodeSource.ts';

export const BPE_CACHE_DIR = join(REPO_ROOT, '.cache', 'bpe');

export class FileBpeCache implements BpeCache {
  constructor(readonly dir = BPE_CACHE_DIR) {}

  /** The file of a key; keys are percent-encoded so any key is one safe file name. */
  path(key: string): string {
    return join(this.dir, `${encodeURIComponent(key)}.json`);
  }

  async get(key: string): Promise<BpeJSON | undefined> {
    const path = this.path(key);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as BpeJSON;
    } catch (e) {
      throw new Error(`${path} is not JSON: ${(e as Error).message}`);
    }
  }

  async set(key: string, value: BpeJSON): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const path = this.path(key);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  }
}
