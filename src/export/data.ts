// data.ts (Node only): a token data folder for train.py, in nanoGPT's convention, written by
// `npm run export:pytorch` (the data of a lab run) and `npm run prepare-data` (a text of any size):
//   train.bin, val.bin  the token streams, uint16 little-endian (uint32 when V > 65535)
//   tokenizer.json      the lab's tokenizer, JSON.stringify(tokenizer.toJSON()) (as checkpoints store it)
//   data.json           {format, dtype, vocabSize, trainTokens, valTokens, tokenizer, data, source, sampling}
//                       data: the lab config's data section these streams stand for;
//                       sampling "lab": windows at random offsets of the streams, as the lab's
//                       BatchSampler draws them (train.py draws the lab's batches exactly);
//                       "stream": a synthetic task's generated stream (the lab generates windows
//                       directly, so only --batches reproduces its batches).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../model/config.ts';
import type { Tokenizer } from '../data/tokenizer.ts';

export const DATA_FORMAT = 'nitp-lab-tokens-v1';

export type TokenDtype = 'uint16' | 'uint32';

export interface TokenData {
  train: Int32Array;
  val: Int32Array;
  tokenizer: Tokenizer;
  /** the lab config's data section */
  data: RunConfig['data'];
  /** where the text came from, for people */
  source: string;
  sampling: 'lab' | 'stream';
}

export interface DataInfo {
  format: string;
  dtype: TokenDtype;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
  tokenizer: string;
  data: RunConfig['data'];
  source: string;
  sampling: 'lab' | 'stream';
}

/** nanoGPT's convention: uint16 while every id fits, else uint32. */
export function tokenDtype(vocabSize: number): TokenDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** Token ids as little-endian uint16 or uint32 bytes. @param ids (n) in [0, vocabSize) */
export function tokenBytes(ids: Int32Array, vocabSize: number): Uint8Array {
  const dtype = tokenDtype(vocabSize);
  const width = dtype === 'uint16' ? 2 : 4;
  const out = new Uint8Array(ids.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocabSize)) throw new Error(`token ${id} at position ${i} is outside [0, ${vocabSize})`);
    if (width === 2) view.setUint16(2 * i, id, true);
    else view.setUint32(4 * i, id, true);
  }
  return out;
}

/** Writes train.bin, val.bin, tokenizer.json and data.json into `dir` (created if needed). */
export function writeTokenData(dir: string, d: TokenData): DataInfo {
  mkdirSync(dir, { recursive: true });
  const V = d.tokenizer.vocabSize;
  writeFileSync(join(dir, 'train.bin'), tokenBytes(d.train, V));
  writeFileSync(join(dir, 'val.bin'), tokenBytes(d.val, V));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(d.tokenizer.toJSON()) + '\n');
  const info: DataInfo = {
    format: DATA_FORMAT,
    dtype: tokenDtype(V),
    vocabSize: V,
    trainTokens: d.train.length,
    valTokens: d.val.length,
    tokenizer: 'tokenizer.json',
    data: d.data,
    source: d.source,
    sampling: d.sampling,
  };
  writeFileSync(join(dir, 'data.json'), JSON.stringify(info, null, 2) + '\n');
  return info;
}
