/**
 * Game state snapshots: plain JSON objects of numbers, booleans and number arrays, copied out of and back
 * into a game's fields. Restoring validates every field, so a malformed snapshot fails loudly with the
 * field's name instead of producing a silently wrong game.
 */
export type SnapshotValue = number | boolean | number[];
export type Snapshot = Record<string, SnapshotValue>;

type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | number[];

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Copies the named fields of `source` (numbers, booleans, typed or plain arrays) into a JSON-safe object. */
export function takeSnapshot(source: object, keys: readonly string[]): Snapshot {
  const src = source as Record<string, unknown>;
  const out: Snapshot = {};
  for (const k of keys) {
    const v = src[k];
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (ArrayBuffer.isView(v) || Array.isArray(v)) out[k] = Array.from(v as ArrayLike<number>);
    else throw new TypeError(`field "${k}" cannot be snapshotted (${typeof v})`);
  }
  return out;
}

/**
 * Writes a snapshot back into the named fields of `target`, checking that every field is present with the
 * type and (for arrays) the length the target already has. `what` names the snapshot in error messages.
 */
export function restoreSnapshot(target: object, keys: readonly string[], snapshot: unknown, what: string): void {
  if (!isRecord(snapshot)) throw new TypeError(`${what} must be an object, got ${describe(snapshot)}`);
  const dst = target as Record<string, unknown>;
  for (const k of keys) {
    if (!(k in snapshot)) throw new TypeError(`${what} is missing field "${k}"`);
    const v = snapshot[k];
    const cur = dst[k];
    if (typeof cur === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`${what}.${k} must be a finite number, got ${describe(v)}`);
      }
    } else if (typeof cur === 'boolean') {
      if (typeof v !== 'boolean') throw new TypeError(`${what}.${k} must be a boolean, got ${describe(v)}`);
    } else {
      const arr = cur as NumericArray;
      if (!Array.isArray(v) || v.length !== arr.length) {
        throw new TypeError(`${what}.${k} must be an array of ${arr.length} numbers, got ${describe(v)}`);
      }
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) {
          throw new TypeError(`${what}.${k}[${i}] must be a finite number, got ${describe(v[i])}`);
        }
      }
    }
  }
  for (const k of keys) {
    const v = snapshot[k];
    const cur = dst[k];
    if (typeof cur === 'number' || typeof cur === 'boolean') dst[k] = v;
    else if (Array.isArray(cur)) cur.splice(0, cur.length, ...(v as number[]));
    else (cur as Exclude<NumericArray, number[]>).set(v as number[]);
  }
}

export function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
