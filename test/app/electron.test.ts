/**
 * The desktop app end to end through Playwright's Electron support. Electron downloads its binary from
 * outside the npm registry when it first runs; where that binary is absent (this project's build machines)
 * the test is skipped and says why.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildApp } from './server';

/** The installed Electron binary, found without requiring `electron` (which would try to download it). */
function electronBinary(): string | null {
  const dir = join(process.cwd(), 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const reason = 'the Electron binary is not installed (it downloads from outside the npm registry on first run)';

describe('Electron app, end to end', () => {
  it.skipIf(binary === null)(`opens the window, reaches the session host through the preload, and creates a run${binary === null ? ` (skipped: ${reason})` : ''}`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'arcade-electron-'));
    buildApp(out);
    const runs = mkdtempSync(join(tmpdir(), 'arcade-electron-runs-'));
    const app = await electron.launch({ executablePath: binary!, args: [join(out, 'main', 'index.js')], env: { ...process.env, ARCADE_RUNS: runs } });
    try {
      const page = await app.firstWindow();
      await page.waitForFunction(() => 'arcadeReady' in globalThis);
      // No Node in the renderer; the API only through the preload's bridge.
      expect(await page.evaluate('typeof require')).toBe('undefined');
      expect(await page.evaluate('window.arcade.api.appInfo().then((i) => i.shell)')).toBe('electron');
      await page.evaluate(
        `window.arcade.api.createRun({ name: 'desk', env: 'Pong', obsType: 'ram', feedback: ['preferences'], teacher: null, labels: 40, steps: 20000, seed: 1, prefill: 10 })`,
      );
      await page.locator('.view-compare.has-pair').waitFor({ timeout: 30_000 });
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => page.evaluate(`window.arcade.api.history().then((h) => h.filter((l) => !l.labeler.startsWith('teacher:')).length)`)).toBe(1);
    } finally {
      await app.close();
    }
  }, 120_000);
});
