// upload.ts: checks a user's uploaded text file and turns it into a Dataset. Browser-safe (no node:
// imports); sha256 through crypto.subtle (browsers, Node >= 20).
//
// validateUpload refuses, in this order, each with a message naming the file, the problem and the limit:
//   empty file; larger than limits.maxBytes (MAX_UPLOAD_BYTES = 64 MiB is the lab's limit);
//   a UTF-16/UTF-32 byte-order mark; a NUL byte (binary); not valid UTF-8 (TextDecoder fatal, with
//   the offset of the first bad byte); "looks binary": more than BINARY_CONTROL_SHARE (1%) of the
//   characters are control characters (C0 except TAB, LF, CR and form feed; DEL; C1 U+0080..U+009F);
//   whitespace only; fewer than limits.minTokens characters (code points: one token each).
// Accepted text is normalised: a leading UTF-8 BOM is dropped, and line ends become "\n" (CRLF and a
// lone CR, old Mac files, both become LF), so a file trains the same whatever system saved it.
// sha256 and size describe the bytes as uploaded, before normalisation.
//
// UploadDataset: CharTokenizer over the text's characters; the first 90% of the tokens (by position,
// floor(0.9 n)) train, the rest validate. A positional split keeps the validation text unseen
// (no window straddles both) at the cost of any drift along the file. No tags, no known floor.

import { countCodePoints } from './corpus.ts';
import { TextDataset } from './dataset.ts';
import { CharTokenizer } from './tokenizer.ts';

/** The largest upload the lab accepts: 64 MiB (50 MB texts must work). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** A text whose share of control characters exceeds this is refused as binary. */
export const BINARY_CONTROL_SHARE = 0.01;
/** Share of an upload's tokens used for training; the rest is validation. */
export const UPLOAD_TRAIN_FRACTION = 0.9;

export interface UploadLimits {
  maxBytes: number; // e.g. MAX_UPLOAD_BYTES
  minTokens: number; // characters one batch needs, e.g. B*(T+1)+1
}

export interface ValidatedUpload {
  text: string; // decoded, BOM dropped, line ends "\n"
  sha256: string; // hex, of the bytes as uploaded
  size: number; // bytes as uploaded
}

const fmt = (n: number) => n.toLocaleString('en-US');

function formatBytes(n: number): string {
  const exact = `${fmt(n)} bytes`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB (${exact})`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB (${exact})`;
  return exact;
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > n) return i;
    // the second byte's range excludes overlong forms, surrogates and code points > U+10FFFF
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let j = 2; j < len; j++) if ((b[i + j] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Control characters that ordinary text does not hold (TAB, LF, CR, FF are fine). */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || (c >= 0x7f && c <= 0x9f);
}

/** Refuses a file larger than `maxBytes` from its size alone, before a byte of it is read. */
export function checkUploadSize(size: number, name: string, maxBytes: number = MAX_UPLOAD_BYTES): void {
  if (size > maxBytes) throw new Error(`${JSON.stringify(name)} is ${formatBytes(size)}, larger than the upload limit of ${formatBytes(maxBytes)}`);
}

/**
 * Checks an uploaded file and decodes it (see the file header for the checks, their order and the
 * normalisation).
 * @param bytes the file's contents
 * @param name the file name, for messages
 * @throws Error naming the file, the problem and the limit
 */
export async function validateUpload(bytes: Uint8Array, name: string, limits: UploadLimits): Promise<ValidatedUpload> {
  const { maxBytes, minTokens } = limits;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new Error(`validateUpload: limits.maxBytes must be a positive integer, got ${maxBytes}`);
  if (!Number.isSafeInteger(minTokens) || minTokens < 0) throw new Error(`validateUpload: limits.minTokens must be a non-negative integer, got ${minTokens}`);
  const file = JSON.stringify(name);
  const size = bytes.length;
  if (size === 0) throw new Error(`${file} is empty (0 bytes); upload a UTF-8 text file`);
  checkUploadSize(size, name, maxBytes);
  if (size >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new Error(`${file} is UTF-16 or UTF-32 text (it starts with a byte-order mark ${bytes[0].toString(16).toUpperCase()} ${bytes[1].toString(16).toUpperCase()}); save it as UTF-8`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new Error(`${file} looks binary: it contains a NUL byte (at byte offset ${fmt(nul)}); only UTF-8 text files can be used`);
  const bom = size >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let text: string;
  try {
    // ignoreBOM: the BOM is dropped above, so a second one would stay as a character, not vanish
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom));
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new Error(`${file} is not valid UTF-8${at >= 0 ? ` (first invalid byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} at byte offset ${fmt(at)})` : ''}; save it as UTF-8 text`);
  }
  if (text.length === 0) throw new Error(`${file} is empty (it holds only a UTF-8 byte-order mark)`);
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  let controls = 0;
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) controls++;
  const chars = countCodePoints(text);
  if (controls > BINARY_CONTROL_SHARE * chars) {
    throw new Error(`${file} looks binary: ${((100 * controls) / chars).toFixed(1)}% of its ${fmt(chars)} characters are control characters ` +
      `(at most ${100 * BINARY_CONTROL_SHARE}% allowed)`);
  }
  if (!/\S/.test(text)) throw new Error(`${file} contains only whitespace (${fmt(chars)} characters)`);
  if (chars < minTokens) {
    throw new Error(`${file} has ${fmt(chars)} characters, fewer than the ${fmt(minTokens)} needed for one batch of context; upload a longer text`);
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  const sha256 = Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
  return { text, sha256, size };
}

/** An uploaded text as a Dataset: one token per character, split 90/10 by position. */
export class UploadDataset extends TextDataset {
  /**
   * @param name the file name (the dataset's name)
   * @param text validated text (validateUpload(...).text), at least 2 characters
   */
  constructor(name: string, text: string) {
    const tokenizer = CharTokenizer.fromTexts([text]);
    const tokens = tokenizer.encode(text); // (n)
    if (tokens.length < 2) throw new Error(`UploadDataset: "${name}" has ${tokens.length} characters; a train/validation split needs at least 2`);
    const cut = Math.floor(tokens.length * UPLOAD_TRAIN_FRACTION); // in [1, n-1] for n >= 2
    super(name, tokenizer, tokens.subarray(0, cut), tokens.subarray(cut));
  }
}
