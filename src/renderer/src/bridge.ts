/**
 * The renderer's one way to the session: the preload's bridge inside Electron, or the same API over a
 * WebSocket in browser mode (`npm run serve`). Views only see `Bridge`.
 */
import type { Api, Bridge, HostEvent, ResponseMessage } from '../../shared/api';
import { OPS } from '../../shared/channels';

/** Who this browser labels as: `?labeler=` in the URL, else a name kept in this browser. */
function labelerName(): string {
  const given = new URLSearchParams(location.search).get('labeler');
  if (given !== null) return given;
  let name = localStorage.getItem('arcade-labeler');
  if (name === null) {
    name = `web-${Math.random().toString(36).slice(2, 8)}`;
    localStorage.setItem('arcade-labeler', name);
  }
  return name;
}

/** The API over a WebSocket to the page's own server; the access token travels as its cookie. */
function webSocketBridge(): Promise<Bridge> {
  const url = new URL('/api', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = `?labeler=${encodeURIComponent(labelerName())}`;
  const ws = new WebSocket(url);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(event: HostEvent) => void>();
  let nextId = 0;
  let closed: Error | null = null;
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as ResponseMessage | { event: HostEvent };
    if ('event' in msg) {
      for (const l of listeners) l(msg.event);
      return;
    }
    if (msg.id === null) return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.result);
    else p?.reject(new Error(msg.error));
  });
  ws.addEventListener('close', () => {
    closed = new Error('the connection to the server closed; reload the page to reconnect');
    for (const p of pending.values()) p.reject(closed);
    pending.clear();
    for (const l of listeners) l({ type: 'status', data: null });
  });
  const call = (op: string, args: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed !== null) return reject(closed);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, op, args }));
    });
  const api = Object.fromEntries(OPS.map((op) => [op, (args?: unknown) => call(op, args)])) as unknown as Api;
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () =>
      resolve({
        api,
        onEvent(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      }),
    );
    ws.addEventListener('error', () => reject(new Error('cannot connect to the server (is npm run serve running, and the access token right?)')));
  });
}

export function connect(): Promise<Bridge> {
  return window.arcade !== undefined ? Promise.resolve(window.arcade) : webSocketBridge();
}
