import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBrownCategories, parseBrownFile, renderDocument, renderDocuments, renderDocumentsTagged, renderSentence, splitBrownIds } from './brown.ts';
import { brownPackage } from './nodeSource.ts';
import { brownTagClass, POS_ID, POS_TAGS, SPACE_ID } from './pos.ts';

const brownDir = brownPackage().dir;
const readBrown = (id: string) => readFileSync(join(brownDir, id), 'utf8');

describe('brown', () => {
  it('parses word/tag lines: indented or not, slashes inside words, blank lines between paragraphs', () => {
    const text = '\n\n\tThe/at jury/nn said/vbd ``/`` no/at \'\'/\'\' ./.\n\n\nMerger/nn-hl proposed/vbn-hl \n\t1-1/2/cd inches/nns wasn\'t/bedz*\nAh/uh !/.\r\n';
    const s = parseBrownFile(text, 'test');
    expect(s).toEqual([
      [
        { word: 'The', tag: 'at' },
        { word: 'jury', tag: 'nn' },
        { word: 'said', tag: 'vbd' },
        { word: '``', tag: '``' },
        { word: 'no', tag: 'at' },
        { word: "''", tag: "''" },
        { word: '.', tag: '.' },
      ],
      [
        { word: 'Merger', tag: 'nn-hl' },
        { word: 'proposed', tag: 'vbn-hl' },
      ],
      [
        { word: '1-1/2', tag: 'cd' },
        { word: 'inches', tag: 'nns' },
        { word: "wasn't", tag: 'bedz*' },
      ],
      [
        { word: 'Ah', tag: 'uh' },
        { word: '!', tag: '.' },
      ],
    ]);
    expect(renderSentence(s[0])).toBe("The jury said `` no '' .");
    expect(renderDocument(s)).toBe("The jury said `` no '' .\nMerger proposed\n1-1/2 inches wasn't\nAh !\n");
    expect(renderDocuments([s.slice(0, 1), s.slice(3)])).toBe("The jury said `` no '' .\n\nAh !\n");
  });

  it('names the file and line of a token without a tag', () => {
    expect(() => parseBrownFile('\tgood/jj\n\tbad\n', 'cz99')).toThrow('Brown cz99 line 2: token "bad" is not word/tag');
    expect(() => parseBrownFile('\tword/\n', 'cz99')).toThrow('token "word/" is not word/tag');
    expect(() => parseBrownFile('\t/nn\n', 'cz99')).toThrow('token "/nn" is not word/tag');
  });

  it('parses real Brown files (ca01, cr09)', () => {
    const ca01 = parseBrownFile(readBrown('ca01'), 'ca01');
    expect(renderSentence(ca01[0])).toBe(
      "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced `` no evidence '' that any irregularities took place .",
    );
    expect(ca01[0][0]).toEqual({ word: 'The', tag: 'at' });
    expect(ca01[0][10]).toEqual({ word: "Atlanta's", tag: 'np$' });
    expect(ca01.length).toBe(98); // = non-blank lines of ca01
    expect(ca01.reduce((n, s) => n + s.length, 0)).toBe(2242);
    const cr09 = parseBrownFile(readBrown('cr09'), 'cr09');
    expect(cr09.length).toBeGreaterThan(0);
    expect(renderDocument(cr09).endsWith('\n')).toBe(true);
    expect(renderDocument(cr09)).not.toMatch(/\t|  |\/[a-z]/);
  });

  it('splits by document: every 10th sorted file id is validation (reads the real file list)', () => {
    const cats = parseBrownCategories(readFileSync(join(brownDir, 'cats.txt'), 'utf8'));
    const ids = cats.map(([id]) => id);
    expect(ids.length).toBe(500);
    expect(cats[0]).toEqual(['ca01', 'news']);
    // cats.txt lists exactly the document files of the package
    expect([...ids].sort()).toEqual(readdirSync(brownDir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort());
    const { train, val } = splitBrownIds(ids);
    expect(train.length).toBe(450);
    expect(val.length).toBe(50);
    expect(val.slice(0, 6)).toEqual(['ca10', 'ca20', 'ca30', 'ca40', 'cb06', 'cb16']); // ca has 44 documents
    expect(val[49]).toBe('cr09'); // the last file: 500 = 50 * 10
    expect(new Set([...train, ...val]).size).toBe(500);
    // independent of input order
    expect(splitBrownIds([...ids].reverse())).toEqual({ train, val });
    // every genre but the smallest ones gets validation documents
    const genres = new Set(val.map((id) => id[1]));
    expect(genres.size).toBeGreaterThanOrEqual(13);
    expect(() => splitBrownIds(['ca01', 'ca01'])).toThrow('duplicate file id "ca01"');
  });

  it('renders an aligned tag stream: word characters hold the word\'s class, spaces and newlines SPACE', () => {
    const a = parseBrownFile('\tThe/at jury/nn-tl\n\n\tsaid/vbd ``/`` no/at\n');
    const b = parseBrownFile("Ah/uh !/.\nhe's/pps+bez 1-1/2/cd\n");
    const r = renderDocumentsTagged([a, [], b]);
    expect(r.text).toBe(renderDocuments([a, [], b]));
    expect(r.text).toBe("The jury\nsaid `` no\n\n\nAh !\nhe's 1-1/2\n");
    // one letter per character: D DET, N NOUN, V VERB, P PUNCT, R PRON, T PRT, 7 NUM, _ SPACE
    const letter: Record<string, string> = { DET: 'D', NOUN: 'N', VERB: 'V', PUNCT: 'P', PRON: 'R', PRT: 'T', NUM: '7', SPACE: '_' };
    expect([...r.tags].map((t) => letter[POS_TAGS[t]] ?? '?').join('')).toBe('DDD_NNNN_VVVV_PP_DD___TT_P_RRRR_77777_');
    expect(r.tags.length).toBe(r.text.length);
    expect(r.words[POS_ID.DET]).toBe(2);
    expect(r.words[POS_ID.SPACE]).toBe(0);
    expect(r.words.reduce((x, y) => x + y, 0)).toBe(9);
    expect(renderDocumentsTagged([]).tags.length).toBe(0);
    expect(() => renderDocumentsTagged([parseBrownFile('x/zzz\n')])).toThrow('Brown tag "zzz"');
  });

  it('aligns the tag stream of real documents (ca01, ca02): every word start holds its mapped class', () => {
    const docs = ['ca01', 'ca02'].map((id) => parseBrownFile(readBrown(id), id));
    const { text, tags } = renderDocumentsTagged(docs);
    let pos = 0;
    let words = 0;
    docs.forEach((doc, d) => {
      if (d > 0) expect(tags[pos++]).toBe(SPACE_ID); // blank line
      for (const s of doc) {
        for (const t of s) {
          expect(text.slice(pos, pos + t.word.length)).toBe(t.word);
          expect(tags[pos]).toBe(brownTagClass(t.tag));
          expect(tags.subarray(pos, pos + t.word.length).every((c) => c === tags[pos])).toBe(true);
          pos += t.word.length;
          expect(tags[pos]).toBe(SPACE_ID);
          expect(text[pos]).toBe(t === s[s.length - 1] ? '\n' : ' ');
          pos++;
          words++;
        }
      }
    });
    expect(pos).toBe(text.length);
    expect(words).toBe(2242 + docs[1].reduce((n, s) => n + s.length, 0));
  });
});
