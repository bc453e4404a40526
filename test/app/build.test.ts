import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('electron-vite build', () => {
  it('builds main, preload (CommonJS, for the sandbox) and renderer', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'arcade-build-'));
    const bin = join(process.cwd(), 'node_modules', '.bin', 'electron-vite');
    const r = spawnSync(bin, ['build', '--outDir', outDir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(outDir, 'main', 'index.js'))).toBe(true);
    const preload = readFileSync(join(outDir, 'preload', 'index.cjs'), 'utf8');
    expect(preload).toMatch(/require\("electron"\)/);
    expect(preload).toMatch(/exposeInMainWorld\("arcade"/);
    const html = readFileSync(join(outDir, 'renderer', 'index.html'), 'utf8');
    expect(html).toMatch(/Content-Security-Policy/);
    expect(html).toMatch(/<script type="module"[^>]*src="\.\/assets\/index-[^"]+\.js"/);
  }, 120_000);
});
