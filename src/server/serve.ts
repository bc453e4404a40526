/**
 * Browser mode: the app's renderer over HTTP and the same API over a WebSocket, for labelling from other
 * machines (several people at once, as the contractors of Christiano et al.) and for testing the UI in a real
 * browser.
 *
 *   npm run serve                                   http://127.0.0.1:5174, runs in ./runs
 *   npm run serve -- --host 0.0.0.0 --token SECRET  reachable from the network; every request carries the token
 *   npm run serve -- --training-priority low        training niced below the server (priority.ts; normal by default)
 *
 * Binds to 127.0.0.1 unless --host is given, and --host needs an access token (given, or generated and
 * printed). With a token, every HTTP request and the WebSocket must carry it: `?token=` on the first page
 * (which then sets a same-site cookie for the rest), a cookie, or an `Authorization: Bearer` header.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';
import { forkSession } from '../host/fork.js';
import { SessionHost } from '../host/host.js';
import { parseTrainingPriority, type TrainingPriority } from '../host/priority.js';
import { CSP } from '../shared/csp.js';
import { ApiError, type HostEvent, RequestMessage, type ResponseMessage } from '../shared/api.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};
/** Largest WebSocket message taken: requests are small (an answer is under 100 bytes). */
const MAX_MESSAGE_BYTES = 64 * 1024;
const LABELER = /^[A-Za-z0-9._@-]{1,40}$/;
const COOKIE = 'arcade_token';
/** Hosts that only this machine can reach: binding to them needs no access token. */
const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1'];

export interface ServeOptions {
  runsDir: string;
  /** The built renderer (electron-vite build's out/renderer). */
  staticDir: string;
  host: string;
  port: number;
  token: string | null;
  /** The session process's scheduling priority against this server's (default 'normal'). */
  trainingPriority?: TrainingPriority;
}

export interface RunningServer {
  url: string;
  server: Server;
  host: SessionHost;
  close(): Promise<void>;
}

/** The page's URL on `host` (an IPv6 address in brackets), with the token when there is one. */
function urlOf(host: string, port: number, token: string | null): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return fromQuery;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE && v !== undefined) return decodeURIComponent(v);
  }
  return null;
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { token } = options;
  if (!LOCAL_HOSTS.includes(options.host) && token === null) {
    throw new Error(`--host ${options.host} exposes the app beyond this machine: it needs an access token (--token)`);
  }
  if (token !== null && token.length < 16) throw new Error('the access token must be at least 16 characters');
  const staticDir = resolve(options.staticDir);
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`${staticDir} has no index.html: build the renderer first (npx electron-vite build)`);
  }
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { name: string; version: string };
  const host = new SessionHost({
    runsDir: resolve(options.runsDir),
    start: forkSession(new URL('../host/session-process.ts', import.meta.url), options.trainingPriority),
    app: { name: pkg.name, version: pkg.version, shell: 'browser' },
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (token !== null && !sameToken(tokenOf(req, url), token)) return send(401, 'missing or wrong access token: open the URL the server printed (with ?token=...)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, `${req.method} is not served here`);
    const path = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    const file = join(staticDir, path);
    if (!file.startsWith(staticDir + sep) || !existsSync(file) || !statSync(file).isFile()) return send(404, `not found: ${url.pathname}`);
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (token !== null && url.searchParams.has('token')) headers['set-cookie'] = `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let guests = 0;
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${status}\r\n`);
    };
    if (url.pathname !== '/api') return refuse('404 Not Found');
    if (token !== null && !sameToken(tokenOf(req, url), token)) return refuse('401 Unauthorized');
    // A page of another site must not drive the API with this browser's cookie.
    const origin = req.headers.origin;
    if (origin !== undefined && new URL(origin).host !== req.headers.host) return refuse('403 Forbidden');
    const name = url.searchParams.get('labeler') ?? `guest-${++guests}`;
    if (!LABELER.test(name)) return refuse('400 Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => connection(ws, name));
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = host.onEvent((event: HostEvent) => {
    const text = JSON.stringify({ event });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  function connection(ws: WebSocket, labeler: string): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      const reply = (msg: ResponseMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(msg));
      let parsed: unknown;
      try {
        if (isBinary) throw new ApiError('messages must be JSON text, not binary');
        parsed = JSON.parse(data.toString());
      } catch (err) {
        return reply({ id: null, ok: false, error: err instanceof ApiError ? err.message : 'a message must be JSON: {"id": 1, "op": "nextPair", "args": {...}}' });
      }
      const request = RequestMessage.safeParse(parsed);
      if (!request.success) {
        const id = typeof (parsed as { id?: unknown })?.id === 'number' ? (parsed as { id: number }).id : null;
        return reply({ id, ok: false, error: 'a message must be {"id": <integer>, "op": <operation>, "args": <its arguments>} and nothing else' });
      }
      const { id, op, args } = request.data;
      host.call(op, args, labeler).then(
        (result) => reply({ id, ok: true, result }),
        (err: unknown) => reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
    });
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = urlOf(options.host, port, token);
  return {
    url,
    server,
    host,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
      await host.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: 'runs' },
      static: { type: 'string', default: fileURLToPath(new URL('../../out/renderer', import.meta.url)) },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5174' },
      token: { type: 'string' },
      'training-priority': { type: 'string', default: 'normal' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('npm run serve -- [--runs runs] [--port 5174] [--host 127.0.0.1] [--token SECRET] [--training-priority low|normal] [--static out/renderer]');
    return;
  }
  const trainingPriority = parseTrainingPriority(values['training-priority']);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${values.port}"`);
  const local = LOCAL_HOSTS.includes(values.host);
  // Beyond this machine a token is required; one is made up if none was given, and printed in the URL.
  const token = values.token ?? process.env.ARCADE_TOKEN ?? (local ? null : randomBytes(18).toString('base64url'));
  const running = await serve({ runsDir: values.runs, staticDir: values.static, host: values.host, port, token, trainingPriority });
  console.log(`serving rlhf-arcade at ${running.url} (runs in ${resolve(values.runs)}); Ctrl-C to stop`);
  if (['0.0.0.0', '::'].includes(values.host)) {
    // Listening on every interface: 0.0.0.0 is no address to open from another machine; this machine's are
    // (:: takes IPv6 too; 0.0.0.0 IPv4 only).
    const { port: listening } = running.server.address() as AddressInfo;
    const addresses = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => !a.internal && (a.family === 'IPv4' || values.host === '::'));
    for (const a of addresses) console.log(`  from another machine: ${urlOf(a.address, listening, token)}`);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('stopping: training checkpoints first');
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
