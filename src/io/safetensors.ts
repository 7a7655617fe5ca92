// safetensors.ts: read and write the safetensors format (https://huggingface.co/docs/safetensors).
// Layout: u64 little-endian header length N | N bytes of JSON header | data section.
// Header: {"__metadata__": {string: string}, NAME: {dtype, shape, data_offsets: [begin, end]}, ...},
// offsets relative to the data section, tensors row-major and little-endian. The writer pads the
// header with spaces to a multiple of 8 bytes (so the data section is 8-byte aligned), puts
// __metadata__ first (omitted when empty) and lays the tensors out in the order given, back to back.
// The reader accepts what the Hugging Face reader accepts for F32/I32: tensors must cover the data
// section exactly, without gaps or overlaps. Data is copied out, so the input bytes may be dropped.

export type SafetensorsDtype = 'F32' | 'I32';

/** One tensor: data holds prod(shape) elements, row-major. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array; // F32 -> Float32Array, I32 -> Int32Array
}

export interface SafetensorsEntry extends SafetensorsTensor {
  name: string;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>; // in data-offset order
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4 };
const METADATA_KEY = '__metadata__';
// The Hugging Face reader refuses headers above 100 MB; a bigger length means this is not a header.
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function numel(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Serialises tensors and string metadata to safetensors bytes.
 * @param tensors written in this order; names unique and not "__metadata__"
 * @param metadata string values only (the format allows nothing else)
 */
export function writeSafetensors(tensors: SafetensorsEntry[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.create(null); // a tensor may be called "__proto__"
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${typeof v}`);
  }
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const where = `tensor "${t.name}"`;
    if (t.name === '' || t.name === METADATA_KEY) throw new SafetensorsError(`${where}: reserved or empty name`);
    if (Object.hasOwn(header, t.name)) throw new SafetensorsError(`${where}: duplicate name`);
    const expectedArray = t.dtype === 'F32' ? Float32Array : t.dtype === 'I32' ? Int32Array : null;
    if (expectedArray === null) throw new SafetensorsError(`${where}: unknown dtype "${String(t.dtype)}" (supported: F32, I32)`);
    if (!(t.data instanceof expectedArray)) throw new SafetensorsError(`${where}: dtype ${t.dtype} needs a ${expectedArray.name}, got ${t.data.constructor.name}`);
    if (!isShape(t.shape)) throw new SafetensorsError(`${where}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    if (numel(t.shape) !== t.data.length) {
      throw new SafetensorsError(`${where}: shape [${t.shape.join(', ')}] has ${numel(t.shape)} elements but data has ${t.data.length}`);
    }
    const size = t.data.length * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // u64 LE: low word, high word stays 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // pad with spaces
  let pos = 8 + headerLength;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      for (let i = 0; i < t.data.length; i++) {
        if (t.dtype === 'F32') view.setFloat32(pos + 4 * i, t.data[i], true);
        else view.setInt32(pos + 4 * i, t.data[i], true);
      }
    }
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses safetensors bytes, validating the header; throws SafetensorsError naming the problem. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new SafetensorsError(`not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 4294967296 + lo;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`header length ${headerLength} too large (limit ${MAX_HEADER_BYTES}); not a safetensors file?`);
  }
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(`truncated: the header needs ${8 + headerLength} bytes but the file has ${bytes.length}`);
  }
  const headerBytes = bytes.subarray(8, 8 + headerLength);
  if (headerBytes[0] !== 0x7b) throw new SafetensorsError(`not a safetensors file: the header does not start with "{"`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(`bad JSON header: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('bad JSON header: expected an object');
  }

  const metadataEntries: [string, string][] = [];
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ "${k}" must be a string, got ${JSON.stringify(v)}`);
        metadataEntries.push([k, v]);
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SafetensorsError(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
    }
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (dtype !== 'F32' && dtype !== 'I32') {
      throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(dtype)} (this reader supports F32, I32)`);
    }
    if (!isShape(shape)) throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataLength) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] out of range: the data section has ${dataLength} bytes`);
    }
    const bytesNeeded = numel(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== bytesNeeded) {
      throw new SafetensorsError(
        `${where}: shape [${shape.join(', ')}] (${dtype}) does not match byte length: needs ${bytesNeeded} bytes, data_offsets cover ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }

  // Tensors must tile the data section: sorted by begin, each starts where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let coveredBy = '';
  for (const e of entries) {
    if (e.begin < covered) {
      throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${coveredBy}"`);
    }
    if (e.begin > covered) throw new SafetensorsError(`tensor "${e.name}": gap of ${e.begin - covered} unused bytes before data_offsets [${e.begin}, ${e.end}]`);
    if (e.end > covered) [covered, coveredBy] = [e.end, e.name];
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(`the tensors cover ${covered} bytes but the data section has ${dataLength} (trailing bytes or missing tensors)`);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const n = (e.end - e.begin) / 4;
    const data = e.dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
    const src = dataStart + e.begin;
    if (LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(bytes.subarray(src, src + 4 * n));
    } else {
      for (let i = 0; i < n; i++) data[i] = e.dtype === 'F32' ? view.getFloat32(src + 4 * i, true) : view.getInt32(src + 4 * i, true);
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  // fromEntries defines own properties, so even a key "__proto__" survives.
  return { tensors, metadata: Object.fromEntries(metadataEntries) };
}
