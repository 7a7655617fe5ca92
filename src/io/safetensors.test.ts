import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from './safetensors.ts';

/** Builds a file from a header (object or raw text) and a data section, padding like the writer. */
function fileFrom(header: object | string | Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

const f32 = (shape: number[], data: number[]): SafetensorsEntry => ({ name: '', dtype: 'F32', shape, data: Float32Array.from(data) });

describe('safetensors', () => {
  it('round-trips F32 and I32 tensors, scalars, empty tensors and metadata', () => {
    const tensors: SafetensorsEntry[] = [
      { name: 'transformer.wte.weight', dtype: 'F32', shape: [3, 2], data: Float32Array.from([1.5, -2, 3e-8, Infinity, -0, 65504.25]) },
      { name: 'ids', dtype: 'I32', shape: [4], data: Int32Array.from([0, -1, 2147483647, -2147483648]) },
      { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.from([Math.PI]) },
      { name: 'empty', dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
      { name: 'ünïcode ✓', dtype: 'I32', shape: [1, 1, 1], data: Int32Array.from([42]) },
    ];
    const metadata: Record<string, string> = { step: '100', config: JSON.stringify({ a: [1, 2], b: 'x"y' }), tokenizer: '{"kind":"char","vocab":["\\n"," "]}' };
    Object.defineProperty(metadata, '__proto__', { value: 'odd key', enumerable: true });
    const bytes = writeSafetensors(tensors, metadata);
    expect(new DataView(bytes.buffer).getUint32(0, true) % 8).toBe(0);
    const { tensors: read, metadata: readMeta } = readSafetensors(bytes);
    expect(readMeta).toEqual(metadata);
    expect(Object.getOwnPropertyDescriptor(readMeta, '__proto__')?.value).toBe('odd key');
    expect([...read.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const r = read.get(t.name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(Array.from(r.data)).toEqual(Array.from(t.data)); // Object.is per element: keeps -0
    }
    // NaN bit patterns survive (compared as raw bits).
    const nan = new Float32Array([NaN]);
    const back = readSafetensors(writeSafetensors([{ name: 'n', dtype: 'F32', shape: [1], data: nan }])).tensors.get('n')!.data;
    expect(new Uint32Array(back.buffer)[0]).toBe(new Uint32Array(nan.buffer)[0]);
  });

  it('reads from a Uint8Array view at an unaligned offset and copies the data out', () => {
    const bytes = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) }]);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const view = shifted.subarray(3);
    const w = readSafetensors(view).tensors.get('w')!.data;
    shifted.fill(0);
    expect(Array.from(w)).toEqual([1, 2]);
  });

  it('writes byte-exactly the hand-built reference file', () => {
    const header = '{"__metadata__":{"step":"3"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]}}';
    expect(header.length).toBe(138); // padded with 6 spaces to 144 = 0x90
    const expected = new Uint8Array([
      0x90, 0, 0, 0, 0, 0, 0, 0, // header length 144, u64 little-endian
      ...new TextEncoder().encode(header + '      '),
      0x00, 0x00, 0x80, 0x3f, // a[0] = 1.0f
      0x00, 0x00, 0x00, 0xc0, // a[1] = -2.0f
      0x07, 0x00, 0x00, 0x00, // b[0,0] = 7
    ]);
    const written = writeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2], data: Float32Array.from([1, -2]) },
        { name: 'b', dtype: 'I32', shape: [1, 1], data: Int32Array.from([7]) },
      ],
      { step: '3' },
    );
    expect(Array.from(written)).toEqual(Array.from(expected));
    const read = readSafetensors(expected);
    expect(Array.from(read.tensors.get('a')!.data)).toEqual([1, -2]);
    expect(read.metadata.step).toBe('3');
  });

  it('omits __metadata__ when there is none', () => {
    const bytes = writeSafetensors([{ name: 'x', dtype: 'I32', shape: [1], data: Int32Array.from([5]) }]);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(0, true)));
    expect(text.trimEnd()).toBe('{"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}');
  });

  it('refuses to write inconsistent tensors', () => {
    const w = (t: SafetensorsEntry[], m: Record<string, string> = {}) => () => writeSafetensors(t, m);
    expect(w([{ ...f32([3], [1, 2]), name: 'a' }])).toThrow(/tensor "a": shape \[3\] has 3 elements but data has 2/);
    expect(w([{ name: 'a', dtype: 'I32', shape: [1], data: Float32Array.from([1]) }])).toThrow(/tensor "a": dtype I32 needs a Int32Array, got Float32Array/);
    expect(w([{ ...f32([1], [1]), name: 'a' }, { ...f32([1], [1]), name: 'a' }])).toThrow(/tensor "a": duplicate name/);
    expect(w([{ ...f32([1], [1]), name: '__metadata__' }])).toThrow(/reserved or empty name/);
    expect(w([{ ...f32([-1], []), name: 'a' }])).toThrow(/tensor "a": shape \[-1\] is not a list of non-negative integers/);
    expect(w([], { step: 3 as unknown as string })).toThrow(/metadata "step" must be a string/);
  });

  describe('rejects corrupt files with an error naming the problem', () => {
    const good = writeSafetensors([
      { name: 'a', dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) },
      { name: 'b', dtype: 'I32', shape: [1], data: Int32Array.from([3]) },
    ]);
    const data12 = new Uint8Array(12);
    const cases: [string, Uint8Array, RegExp][] = [
      ['too short', new Uint8Array([1, 0, 0]), /not a safetensors file: 3 bytes/],
      ['not safetensors (PNG magic)', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /header length \d+ too large/],
      ['header length too large (high word)', Uint8Array.from([8, 0, 0, 0, 1, 0, 0, 0, ...new Array(8).fill(0x20)]), /header length 4294967304 too large/],
      ['truncated header', good.subarray(0, 40), /truncated: the header needs \d+ bytes but the file has 40/],
      ['header not an object', fileFrom('[1, 2]'), /not a safetensors file: the header does not start with "\{"/],
      ['bad JSON', fileFrom('{"a": {"dtype": "F32",'), /bad JSON header/],
      ['bad UTF-8', fileFrom(Uint8Array.from([0x7b, 0xff, 0x7d])), /bad JSON header/],
      ['unknown dtype', fileFrom({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "a": unknown dtype "F16"/],
      ['missing dtype', fileFrom({ a: { shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor "a": unknown dtype undefined/],
      ['shape not integers', fileFrom({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "a": shape \[1.5\] is not a list/],
      ['shape vs byte length', fileFrom({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor "a": shape \[3\] \(F32\) does not match byte length: needs 12 bytes, data_offsets cover 8/],
      ['offsets out of range (truncated data)', good.subarray(0, good.length - 4), /tensor "b": data_offsets \[8, 12\] out of range: the data section has 8 bytes/],
      ['offsets reversed', fileFrom({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)), /tensor "a": data_offsets \[8, 4\] out of range/],
      ['offsets malformed', fileFrom({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /tensor "a": data_offsets \[0\] is not a pair/],
      [
        'overlapping tensors',
        fileFrom({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] } }, data12),
        /tensor "b": data_offsets \[4, 12\] overlap tensor "a"/,
      ],
      ['gap between tensors', fileFrom({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] } }, data12), /tensor "b": gap of 4 unused bytes/],
      ['trailing bytes', fileFrom({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data12), /the tensors cover 8 bytes but the data section has 12/],
      ['tensor entry not an object', fileFrom({ a: 5 }), /tensor "a": expected \{dtype, shape, data_offsets\}, got 5/],
      ['metadata not strings', fileFrom({ __metadata__: { step: 3 } }), /__metadata__ "step" must be a string, got 3/],
      ['metadata not an object', fileFrom({ __metadata__: 'x' }), /__metadata__ must be an object of strings/],
    ];
    for (const [what, bytes, message] of cases) {
      it(what, () => expect(() => readSafetensors(bytes)).toThrow(message));
    }
    it('every error is prefixed "safetensors:"', () => {
      expect(() => readSafetensors(new Uint8Array(2))).toThrow(/^safetensors: /);
    });
  });
});
