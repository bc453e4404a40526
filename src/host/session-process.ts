/**
 * The session process: runs the session host (service.ts) for SessionHost (host.ts). Messages in: operations
 * { id, op, args, labeler, receivedAt }, already validated by the relaying process, and { close }. Messages
 * out: { id, ok, result | error }, { event } and { closed }.
 *
 * Started by Node's child_process.fork (browser mode, tests: messages through process.send and
 * process.on('message')) or by Electron's utilityProcess.fork (the desktop app: through process.parentPort).
 * The Electron path is built and type-checked here but has not run: Electron cannot start on this project's
 * build machines.
 */
import { ApiError } from '../shared/api.js';
import { type FromSession, RUNS_DIR_VARIABLE, type ToSession } from './host.js';
import { RunService } from './service.js';

/** Electron's process.parentPort, in a utility process only (typed here so that Node needs no Electron types). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const runsDir = process.env[RUNS_DIR_VARIABLE];
if (runsDir === undefined) throw new Error(`session-process.ts is started by SessionHost, which sets ${RUNS_DIR_VARIABLE}; it does not run on its own`);

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
let send: (message: FromSession) => void;
if (parentPort !== undefined) {
  send = (message) => parentPort.postMessage(message);
  parentPort.on('message', (event) => receive(event.data as ToSession));
  // No channel-closed event here: Electron ends its utility processes with the app (SessionHost.close()
  // checkpoints first, on before-quit). Whether one outlives a main process that is killed is untested here.
} else if (process.send !== undefined) {
  send = (message) => void process.send!(message);
  process.on('message', (message) => receive(message as ToSession));
  // The relaying process is gone (it exited or was killed without closing us): checkpoint, then go too.
  process.on('disconnect', () => void service.close().then(() => process.exit(0)));
} else {
  throw new Error('session-process.ts needs a channel to its parent: start it with child_process.fork or utilityProcess.fork');
}

const service = new RunService(runsDir, (event) => send({ event }));

function receive(message: ToSession): void {
  if ('close' in message) {
    void service.close().then(() => send({ closed: true }));
    return;
  }
  service.call(message.op, message.args as never, message.labeler, message.receivedAt).then(
    (result) => send({ id: message.id, ok: true, result }),
    (err: unknown) => {
      // Client mistakes are said as they are; anything else is a fault of ours, said as one.
      const error = err instanceof ApiError ? err.message : `internal error in ${message.op}: ${err instanceof Error ? err.message : String(err)}`;
      send({ id: message.id, ok: false, error });
    },
  );
}
