/**
 * The worker thread that runs the session host (service.ts). Messages in: { id, op, args, labeler }, already
 * validated by the relaying thread (host.ts). Messages out: { id, ok, result | error } and { event }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError, type Op } from '../shared/api.js';
import { RunService } from './service.js';

export interface WorkerRequest {
  id: number;
  op: Op;
  args: unknown;
  labeler: string;
  /** When the relaying thread took the request: ms since the epoch, sub-millisecond (performance.timeOrigin + now()). */
  receivedAt: number;
}

const port = parentPort;
if (port === null) throw new Error('worker.ts runs as a worker thread (new Worker), not on its own');
const { runsDir } = workerData as { runsDir: string };
const service = new RunService(runsDir, (event) => port.postMessage({ event }));

port.on('message', (msg: WorkerRequest | { close: true }) => {
  if ('close' in msg) {
    void service.close().then(() => port.postMessage({ closed: true }));
    return;
  }
  service.call(msg.op, msg.args as never, msg.labeler, msg.receivedAt).then(
    (result) => port.postMessage({ id: msg.id, ok: true, result }),
    (err: unknown) => {
      // Client mistakes are said as they are; anything else is a fault of ours, said as one.
      const error = err instanceof ApiError ? err.message : `internal error in ${msg.op}: ${err instanceof Error ? err.message : String(err)}`;
      port.postMessage({ id: msg.id, ok: false, error });
    },
  );
});
