import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forkSession } from '../../src/host/fork';
import { SessionHost } from '../../src/host/host';

describe('electron-vite build', () => {
  it('builds main, preload (CommonJS, for the sandbox), the session process and the renderer', async () => {
    // Inside the project, as out/ is, so that the bundles' external packages resolve from its node_modules.
    mkdirSync(join(process.cwd(), 'tmp'), { recursive: true });
    const outDir = mkdtempSync(join(process.cwd(), 'tmp', 'arcade-build-'));
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

    // The built session process loads and trains. Electron starts it as a utility process, which cannot run
    // here; plain Node runs the same bundle (it talks through process.send instead of process.parentPort).
    const host = new SessionHost({ runsDir: mkdtempSync(join(tmpdir(), 'arcade-build-runs-')), start: forkSession(pathToFileURL(join(outDir, 'main', 'session-process.js'))), app: { name: 'test', version: '0', shell: 'electron' } });
    try {
      const created = await host.call('createRun', { name: 'r', env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, steps: 1000, seed: 1 }, 'tester');
      expect(created).toMatchObject({ name: 'r', reward: 'tamer' });
    } finally {
      await host.close();
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
