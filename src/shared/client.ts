/**
 * The client side of the WebSocket wire format (api.ts's RequestMessage / ResponseMessage), for any socket:
 * each request numbered, each answer matched to its request, pushed events passed to the listeners. The
 * renderer's bridge speaks it over the browser's WebSocket, the app benches over Node's `ws`. Types only from
 * api.ts, so the renderer does not load zod.
 */
import type { Api, Bridge, HostEvent, ResponseMessage } from './api.js';
import { OPS } from './channels.js';

export interface WireClient extends Bridge {
  /** One message the server sent (an answer or an event). */
  receive(text: string): void;
  /** An event for the listeners that did not come from the server (the connection closed, say). */
  push(event: HostEvent): void;
  /** The connection is gone: the requests waiting fail with `error`, and so does every later one. */
  close(error: Error): void;
}

export function wireClient(send: (text: string) => void): WireClient {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(event: HostEvent) => void>();
  let nextId = 0;
  let closed: Error | null = null;
  const call = (op: string, args: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed !== null) return reject(closed);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send(JSON.stringify({ id, op, args }));
    });
  const push = (event: HostEvent) => {
    for (const l of listeners) l(event);
  };
  return {
    api: Object.fromEntries(OPS.map((op) => [op, (args?: unknown) => call(op, args)])) as unknown as Api,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    receive(text) {
      const msg = JSON.parse(text) as ResponseMessage | { event: HostEvent };
      if ('event' in msg) return push(msg.event);
      if (msg.id === null) return;
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(msg.error));
    },
    push,
    close(error) {
      closed = error;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    },
  };
}
