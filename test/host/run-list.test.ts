/**
 * The Runs list reads each run's last logged step from the end of metrics.jsonl (RunFolder.lastLoggedSteps)
 * and its labels once per version of labels.jsonl (FileFacts), so showing it does not hold the session process.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFacts } from '../../src/host/service';
import { RunFolder } from '../../src/store/run';

const dir = mkdtempSync(join(tmpdir(), 'run-list-'));

describe('the Runs list', () => {
  it('reads the last logged step from the end of a metrics log, past a cut-off or damaged last line', () => {
    const run = new RunFolder(dir);
    const path = run.metricsPath;
    const lastLoggedSteps = () => run.lastLoggedSteps();
    const line = (steps: number) => JSON.stringify({ steps, fps: 1234.5, note: 'x'.repeat(300) }) + '\n';
    writeFileSync(path, '');
    expect(lastLoggedSteps()).toBe(0);
    writeFileSync(path, Array.from({ length: 200 }, (_, i) => line((i + 1) * 20_000)).join(''));
    expect(lastLoggedSteps()).toBe(4_000_000);
    appendFileSync(path, '{"steps": 4020000, "fps"'); // being written
    expect(lastLoggedSteps()).toBe(4_000_000);
    writeFileSync(path, line(20_000) + '{"steps": 4020000, "f}\n');
    expect(lastLoggedSteps()).toBe(20_000);
    // A line longer than the first window read.
    writeFileSync(path, line(20_000) + JSON.stringify({ steps: 40_000, note: 'y'.repeat(20_000) }) + '\n');
    expect(lastLoggedSteps()).toBe(40_000);
  });

  it('reads a file again only once it has changed', () => {
    const path = join(dir, 'labels.jsonl');
    const facts = new FileFacts();
    let reads = 0;
    const count = (p: string) => {
      reads++;
      return p.length;
    };
    expect(facts.get(path, count)).toBeNull();
    writeFileSync(path, 'a\n');
    expect(facts.get(path, count)).toBe(path.length);
    expect(facts.get(path, count)).toBe(path.length);
    expect(reads).toBe(1);
    appendFileSync(path, 'b\n');
    facts.get(path, count);
    expect(reads).toBe(2);
  });
});
