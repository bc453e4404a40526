/**
 * Screenshots of the app's four views at 1280x800 in Debian's Chromium (browser mode): starts the server on
 * a fresh run with a prefill, labels a few pairs, and writes one PNG per view to look at; then a greedy-h run
 * (Deep TAMER's agent) pressed on in the Live view.
 *   npx tsx scripts/shot-app.ts [--out /tmp/shot-app] [--chromium /usr/bin/chromium]
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { serve } from '../src/server/serve.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(tmpdir(), 'shot-app') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    static: { type: 'string', default: 'out/renderer' },
  },
});
mkdirSync(values.out, { recursive: true });
const runs = mkdtempSync(join(tmpdir(), 'shot-app-runs-'));
const server = await serve({ runsDir: runs, staticDir: values.static, host: '127.0.0.1', port: 0, token: null });
const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('ReadPixels')) console.error(`console: ${m.text()}`);
  });
  await page.goto(`${server.url}?labeler=shots#runs`);
  await page.waitForFunction(() => 'arcadeReady' in globalThis);
  await page.screenshot({ path: join(values.out, 'runs-empty.png'), fullPage: true }); // the whole New run form
  await page.fill('input[name=name]', 'demo');
  await page.fill('input[name=labels]', '80');
  await page.fill('input[name=prefill]', '10');
  await page.fill('input[name=steps]', '200000');
  await page.click('button[type=submit]');
  await page.waitForSelector('.view-compare.has-pair');
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(values.out, 'compare.png') });
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press(['ArrowLeft', 'ArrowRight', 'ArrowDown'][i % 3]);
    await page.waitForTimeout(150);
  }
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(values.out, 'compare-after.png') });
  await page.keyboard.press('4');
  await page.waitForSelector('.view-history tbody tr');
  await page.click('.view-history tbody tr:first-child button');
  await page.waitForTimeout(700);
  await page.screenshot({ path: join(values.out, 'history.png') });
  await page.keyboard.press('2');
  await page.waitForTimeout(6000);
  await page.keyboard.press('ArrowUp');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(values.out, 'live.png') });
  await page.keyboard.press('3');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(values.out, 'runs.png') });
  // Deep TAMER's own agent: greedy on Ĥ, learning from the presses as it plays.
  await page.fill('input[name=name]', 'deep-tamer');
  await page.selectOption('select[name=agent]', 'greedy-h');
  await page.screenshot({ path: join(values.out, 'runs-greedy-h.png') });
  await page.click('button[type=submit]');
  await page.waitForSelector('#run:has-text("deep-tamer")', { timeout: 10_000 }).catch(async (err: unknown) => {
    await page.screenshot({ path: join(values.out, 'failed.png') });
    throw new Error(`the greedy-h run did not open (${String(err)}): ${await page.locator('.toast').allTextContents()}`);
  });
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(1000);
    await page.keyboard.press(i % 2 === 0 ? 'ArrowUp' : 'ArrowDown');
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(values.out, 'live-greedy-h.png') });
  console.log(`screenshots in ${values.out}`);
} finally {
  await browser.close();
  await server.close();
}
