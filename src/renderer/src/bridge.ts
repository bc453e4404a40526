/**
 * The renderer's one way to the session: the preload's bridge inside Electron, or the same API over a
 * WebSocket in browser mode (`npm run serve`). Views only see `Bridge`.
 */
import type { Bridge } from '../../shared/api';
import { wireClient } from '../../shared/client';

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
  const client = wireClient((text) => ws.send(text));
  ws.addEventListener('message', (e) => client.receive(String(e.data)));
  ws.addEventListener('close', () => {
    client.close(new Error('the connection to the server closed; reload the page to reconnect'));
    client.push({ type: 'status', data: null });
  });
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve({ api: client.api, onEvent: client.onEvent }));
    ws.addEventListener('error', () => reject(new Error('cannot connect to the server (is npm run serve running, and the access token right?)')));
  });
}

export function connect(): Promise<Bridge> {
  return window.arcade !== undefined ? Promise.resolve(window.arcade) : webSocketBridge();
}
