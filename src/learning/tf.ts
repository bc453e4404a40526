/**
 * The one module that owns tfjs: it picks the backend at start-up and says which one it picked. Nothing else
 * in the project imports a backend. Preference order: `tensorflow` (native libtensorflow, from the optional
 * @tensorflow/tfjs-node), `wasm` (@tensorflow/tfjs-backend-wasm with SIMD; single-threaded in Node; with the
 * convolution's filter gradient it lacks, and faster transposed matrix products, from ./wasm-kernels.ts), `cpu`
 * (plain JS, has every kernel, slow for convolutions).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from './wasm-kernels.js';

export { tf };

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  name: BackendName;
  /** Why the backends before it were passed over. */
  skipped: string[];
  simd?: boolean;
}

let chosen: BackendInfo | null = null;
// Not named `require`: electron-vite's bundle of the session process declares one of its own at the top.
const requireHere = createRequire(import.meta.url);

async function tryBackend(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // tfjs-node registers the 'tensorflow' backend on import; it fails to load where libtensorflow is missing.
    await import('@tensorflow/tfjs-node' as string);
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm files are read from the package's dist folder rather than fetched.
    const dist = dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    wasm.setWasmPaths(`${dist}/`);
    registerWasmKernels();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

/**
 * Initialises tfjs once. With `force`, only that backend is tried and a failure is an error; without it,
 * the first backend that loads wins. Later calls return the first answer (a forced call must agree).
 */
export async function initTf(force?: BackendName): Promise<BackendInfo> {
  if (force !== undefined && !BACKENDS.includes(force)) {
    throw new Error(`unknown backend "${force}"; known: ${BACKENDS.join(', ')}`);
  }
  if (chosen !== null) {
    if (force !== undefined && force !== chosen.name) {
      throw new Error(`tfjs already runs on the ${chosen.name} backend; cannot switch to ${force} in the same process`);
    }
    return chosen;
  }
  const skipped: string[] = [];
  for (const name of force === undefined ? BACKENDS : [force]) {
    try {
      await tryBackend(name);
      chosen = { name, skipped };
      if (name === 'wasm') chosen.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') as boolean;
      return chosen;
    } catch (err) {
      const reason = `${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      if (force !== undefined) throw new Error(`the ${name} backend cannot load (${reason})`);
      skipped.push(reason);
    }
  }
  throw new Error(`no tfjs backend could load: ${skipped.join('; ')}`);
}

/** A one-line description, e.g. "wasm (SIMD; tensorflow skipped: Cannot find module ...)". */
export function describeBackend(info: BackendInfo): string {
  const notes = [];
  if (info.simd !== undefined) notes.push(info.simd ? 'SIMD' : 'no SIMD');
  if (info.skipped.length > 0) notes.push(`skipped ${info.skipped.map((s) => s.split(':')[0]).join(', ')}`);
  return notes.length > 0 ? `${info.name} (${notes.join('; ')})` : info.name;
}
