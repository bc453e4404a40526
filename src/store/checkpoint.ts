/**
 * Checkpoint files: one file holding a JSON header and the raw float32 arrays it names, written atomically.
 *
 *   "RLHFCKPT" | u32 format version | u32 header length | header (UTF-8 JSON) | float32 data (little-endian)
 *
 * The header's `arrays` lists each array's name, shape and offset (in floats) into the data.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

const MAGIC = 'RLHFCKPT';
export const CHECKPOINT_VERSION = 1;

export interface ArraySpec {
  name: string;
  length: number;
  offset: number;
}

export interface CheckpointContents<M = Record<string, unknown>> {
  meta: M;
  arrays: Record<string, Float32Array>;
}

export function writeCheckpoint(path: string, meta: unknown, arrays: Record<string, Float32Array>): void {
  const specs: ArraySpec[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    specs.push({ name, length: a.length, offset });
    offset += a.length;
  }
  const header = Buffer.from(JSON.stringify({ meta, arrays: specs }), 'utf8');
  // Pad the header so the float data starts 4-byte aligned.
  const pad = (4 - ((16 + header.length) % 4)) % 4;
  const out = Buffer.alloc(16 + header.length + pad + offset * 4);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(CHECKPOINT_VERSION, 8);
  out.writeUInt32LE(header.length + pad, 12);
  header.copy(out, 16);
  out.fill(0x20, 16 + header.length, 16 + header.length + pad); // spaces: still valid JSON
  const data = new Float32Array(out.buffer, out.byteOffset + 16 + header.length + pad, offset);
  for (const s of specs) data.set(arrays[s.name], s.offset);
  writeFileAtomic(path, out);
}

export function readCheckpoint<M>(path: string): CheckpointContents<M> {
  const buf = readFileSync(path);
  const bad = (why: string) => new Error(`${path} is not a readable checkpoint: ${why}`);
  if (buf.length < 16 || buf.toString('ascii', 0, 8) !== MAGIC) throw bad('it does not start with RLHFCKPT');
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) throw bad(`format version ${version}; this build reads version ${CHECKPOINT_VERSION}`);
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.length) throw bad('the header runs past the end of the file (truncated?)');
  let header: { meta: M; arrays: ArraySpec[] };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLength));
  } catch (err) {
    throw bad(`its header is not JSON (${(err as Error).message})`);
  }
  const floats = (buf.length - 16 - headerLength) / 4;
  const copy = new Uint8Array(buf.subarray(16 + headerLength));
  const data = new Float32Array(copy.buffer, 0, Math.floor(floats));
  const arrays: Record<string, Float32Array> = {};
  for (const s of header.arrays) {
    if (s.offset + s.length > data.length) throw bad(`array ${s.name} runs past the end of the file (truncated?)`);
    arrays[s.name] = data.slice(s.offset, s.offset + s.length);
  }
  return { meta: header.meta, arrays };
}
