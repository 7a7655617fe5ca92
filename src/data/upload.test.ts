import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, MAX_UPLOAD_BYTES, UploadDataset, validateUpload } from './upload.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const limits = { maxBytes: MAX_UPLOAD_BYTES, minTokens: 10 };
const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('validateUpload refuses', () => {
  it('an empty file, and one holding only a BOM', async () => {
    await expect(validateUpload(new Uint8Array(0), 'a.txt', limits)).rejects.toThrow('"a.txt" is empty (0 bytes); upload a UTF-8 text file');
    await expect(validateUpload(bytes(0xef, 0xbb, 0xbf), 'a.txt', limits)).rejects.toThrow('"a.txt" is empty (it holds only a UTF-8 byte-order mark)');
  });

  it('a whitespace-only file', async () => {
    await expect(validateUpload(enc(' \n\t  \r\n\u00a0\u3000 '.repeat(5)), 'w.txt', limits)).rejects.toThrow('"w.txt" contains only whitespace (45 characters)');
  });

  it('a file larger than the limit, naming both sizes', async () => {
    await expect(validateUpload(enc('x'.repeat(2049)), 'big.txt', { maxBytes: 2048, minTokens: 1 })).rejects.toThrow(
      '"big.txt" is 2.0 KiB (2,049 bytes), larger than the upload limit of 2.0 KiB (2,048 bytes)',
    );
    expect(MAX_UPLOAD_BYTES).toBe(64 * 1024 * 1024);
  });

  it('invalid UTF-8, giving the first bad byte and its offset', async () => {
    const cases: [Uint8Array, string][] = [
      [bytes(0x61, 0x62, 0xc3, 0x28), 'first invalid byte 0xC3 at byte offset 2'], // bad continuation
      [bytes(0x61, 0xc0, 0x80), 'first invalid byte 0xC0 at byte offset 1'], // overlong NUL
      [bytes(0x61, 0x62, 0x63, 0xed, 0xa0, 0x80), 'first invalid byte 0xED at byte offset 3'], // UTF-16 surrogate
      [bytes(0x61, 0xf4, 0x90, 0x80, 0x80), 'first invalid byte 0xF4 at byte offset 1'], // > U+10FFFF
      [bytes(0x61, 0x62, 0xe2, 0x82), 'first invalid byte 0xE2 at byte offset 2'], // truncated at the end
      [bytes(0x61, 0xff, 0x62), 'first invalid byte 0xFF at byte offset 1'], // Latin-1 ÿ
    ];
    for (const [b, msg] of cases) {
      await expect(validateUpload(b, 'latin1.txt', { ...limits, minTokens: 1 })).rejects.toThrow(`"latin1.txt" is not valid UTF-8 (${msg}); save it as UTF-8 text`);
    }
  });

  it('binary files: NUL bytes, UTF-16, or more than 1% control characters', async () => {
    const png = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d);
    await expect(validateUpload(png, 'x.png', limits)).rejects.toThrow('"x.png" looks binary: it contains a NUL byte (at byte offset 8); only UTF-8 text files can be used');
    const utf16 = Uint8Array.from([0xff, 0xfe, ...Array.from(enc('hello world'), (c) => [c, 0]).flat()]);
    await expect(validateUpload(utf16, 'u16.txt', limits)).rejects.toThrow('"u16.txt" is UTF-16 or UTF-32 text (it starts with a byte-order mark FF FE); save it as UTF-8');
    // 2 of 100 characters are control characters (ESC, DEL), C1 counts too
    await expect(validateUpload(enc('a'.repeat(98) + '\u001b\u007f'), 'c.txt', limits)).rejects.toThrow(
      '"c.txt" looks binary: 2.0% of its 100 characters are control characters (at most 1% allowed)',
    );
    await expect(validateUpload(enc('a'.repeat(98) + '\u0085\u0001'), 'c.txt', limits)).rejects.toThrow('looks binary: 2.0%');
    // exactly 1% is accepted; tabs, form feeds and line ends are not control characters here
    await expect(validateUpload(enc('a'.repeat(99) + '\u0007'), 'c.txt', limits)).resolves.toMatchObject({ size: 100 });
    await expect(validateUpload(enc('a\tb\fc\r\nd\n'.repeat(20)), 'c.txt', limits)).resolves.toMatchObject({ size: 180 });
  });

  it('a file shorter than one batch, saying how many characters are needed', async () => {
    await expect(validateUpload(enc('hello\r\n'), 'h.txt', { maxBytes: 100, minTokens: 1025 })).rejects.toThrow(
      '"h.txt" has 6 characters, fewer than the 1,025 needed for one batch of context; upload a longer text',
    );
    // characters are code points after normalisation: "😀" is one, CRLF is one
    await expect(validateUpload(enc('😀😀😀\r\n'), 'e.txt', { maxBytes: 100, minTokens: 5 })).rejects.toThrow('has 4 characters, fewer than the 5 needed');
    await expect(validateUpload(enc('😀😀😀\r\n'), 'e.txt', { maxBytes: 100, minTokens: 4 })).resolves.toMatchObject({ text: '😀😀😀\n' });
  });

  it('bad limits', async () => {
    await expect(validateUpload(enc('abc'), 'a', { maxBytes: 0, minTokens: 1 })).rejects.toThrow('limits.maxBytes must be a positive integer, got 0');
    await expect(validateUpload(enc('abc'), 'a', { maxBytes: 10, minTokens: -1 })).rejects.toThrow('limits.minTokens must be a non-negative integer, got -1');
  });
});

describe('validateUpload accepts', () => {
  it('text, stripping a BOM and normalising CRLF and lone CR to LF; sha256 and size of the uploaded bytes', async () => {
    const raw = Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('line one\r\nline two\rline three\n\ufeffé')]);
    const up = await validateUpload(raw, 'doc.txt', limits);
    expect(up.text).toBe('line one\nline two\nline three\n\ufeffé'); // only the leading BOM is dropped
    expect(up.size).toBe(raw.length);
    const abc = await validateUpload(enc('abc'), 'abc.txt', { maxBytes: 3, minTokens: 3 });
    expect(abc.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // FIPS 180-2 example
  });

  it('a file of one repeated character', async () => {
    const up = await validateUpload(enc('a'.repeat(5000)), 'a.txt', { maxBytes: 5000, minTokens: 5000 });
    expect(up.text).toBe('a'.repeat(5000));
    const d = new UploadDataset('a.txt', up.text);
    expect(d.vocabSize).toBe(1);
    expect(Array.from(d.batches('train', 2, 8, 1, 'batches').next().tokens)).toEqual(new Array(18).fill(0));
  });

  it('a 50 MB file', async () => {
    const size = 50_000_000;
    const b = new Uint8Array(size);
    b.set(enc('The quick brown fox jumps over the lazy dog.\n'));
    for (let n = 45; n < size; n *= 2) b.copyWithin(n, 0, Math.min(n, size - n)); // repeat by doubling
    const start = performance.now();
    const up = await validateUpload(b, 'big.txt', { maxBytes: MAX_UPLOAD_BYTES, minTokens: 32 * 1025 + 1 });
    const ms = performance.now() - start;
    expect(up.size).toBe(size);
    expect(up.text.length).toBe(size);
    expect(up.text.slice(-10)).toBe(new TextDecoder().decode(b.subarray(size - 10)));
    expect(up.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ms).toBeLessThan(5000);
  });
});

describe('firstInvalidUtf8', () => {
  it('accepts every valid encoding length and the boundary code points', () => {
    const text = 'a\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff}é€😀';
    expect(firstInvalidUtf8(enc(text))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x80))).toBe(0); // lone continuation byte
    expect(firstInvalidUtf8(bytes(0xe0, 0x9f, 0xbf))).toBe(0); // overlong 3-byte
    expect(firstInvalidUtf8(bytes(0xf0, 0x8f, 0xbf, 0xbf))).toBe(0); // overlong 4-byte
  });
});

describe('UploadDataset', () => {
  it('splits 90/10 by position with a tokenizer over all characters, untagged', () => {
    const text = 'abcdefghij'.repeat(9) + 'XYZ😀XYZ😀XY'; // 100 code points; "XYZ😀" only in the last 10
    const d = new UploadDataset('mine.txt', text);
    expect(d.name).toBe('mine.txt');
    expect(d.trainTokens).toBe(90);
    expect(d.valTokens).toBe(10);
    expect(d.tagged).toBe(false);
    expect(d.lossFloor()).toBeNull();
    expect(d.vocabSize).toBe(14);
    expect(d.tokenizer.decode(d.tokens('train'))).toBe('abcdefghij'.repeat(9));
    expect(d.tokenizer.decode(d.tokens('val'))).toBe('XYZ😀XYZ😀XY');
    const { tokens, tags } = d.batches('val', 2, 9, 1, 'eval').next();
    expect(tags).toBeNull();
    expect(d.tokenizer.decode(tokens)).toBe('XYZ😀XYZ😀XY'.repeat(2));
    expect(() => new UploadDataset('x', 'a')).toThrow('"x" has 1 characters; a train/validation split needs at least 2');
  });
});
