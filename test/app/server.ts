/** Starts `npm run serve`'s server in its own process for the browser tests, and a renderer build for it. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const hasChromium = existsSync(CHROMIUM);

/** Builds main, preload and renderer into `outDir` (electron-vite build). */
export function buildApp(outDir: string): void {
  const r = spawnSync(join('node_modules', '.bin', 'electron-vite'), ['build', '--outDir', outDir], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`electron-vite build failed: ${r.stderr}`);
}

export interface TestServer {
  url: string;
  origin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startServer(args: string[]): Promise<TestServer> {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['src/server/serve.ts', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /serving rlhf-arcade at (\S+)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
