import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlLog } from '../../src/store/jsonl.js';
import { LABELS_FORMAT } from '../../src/store/labels.js';

const label = (pairId: string) => ({ type: 'label', pairId, left: 'c0', right: 'c1', answer: 'left', labeler: 'ann', time: '2026-11-23T10:00:00.000Z', step: 0 });

function logWith(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
  const path = join(dir, 'labels.jsonl');
  writeFileSync(path, lines.join(''));
  return { dir, path };
}
const HEADER = '{"format":"rlhf-arcade/labels","version":1}\n';

describe('append-only JSON Lines logs', () => {
  it('creates a log with a versioned header and reads back what was appended', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const path = join(dir, 'labels.jsonl');
    const { log, records } = JsonlLog.open(path, LABELS_FORMAT);
    expect(records).toEqual([]);
    log.append(label('p0') as never);
    log.append(label('p1') as never);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(HEADER.trim());
    expect(JsonlLog.open(path, LABELS_FORMAT).records.map((r) => r.pairId)).toEqual(['p0', 'p1']);
  });

  it('recovers a cut-off last line (a crash mid-append) with a warning, keeping the fragment in a side file', () => {
    const torn = JSON.stringify(label('p1')).slice(0, 30);
    const { dir, path } = logWith([HEADER, `${JSON.stringify(label('p0'))}\n`, torn]);
    const warnings: string[] = [];
    const { log, records } = JsonlLog.open(path, LABELS_FORMAT, (w) => warnings.push(w));
    expect(records.map((r) => r.pairId)).toEqual(['p0']);
    expect(warnings[0]).toMatch(/last line was cut off/);
    const side = readdirSync(dir).find((f) => f.startsWith('labels.jsonl.torn-'))!;
    expect(readFileSync(join(dir, side), 'utf8')).toBe(torn);
    log.append(label('p2') as never);
    expect(JsonlLog.open(path, LABELS_FORMAT).records.map((r) => r.pairId)).toEqual(['p0', 'p2']);
  });

  it('refuses a corrupt line in the middle, naming file and line, and changes nothing', () => {
    const { path } = logWith([HEADER, `${JSON.stringify(label('p0'))}\n`, '{"type": "label", oops\n', `${JSON.stringify(label('p2'))}\n`]);
    const before = readFileSync(path, 'utf8');
    expect(() => JsonlLog.open(path, LABELS_FORMAT)).toThrow(new RegExp(`${path}:3: not valid JSON`));
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a record of the wrong shape, an unknown version and a foreign file', () => {
    const bad = logWith([HEADER, `${JSON.stringify({ ...label('p0'), answer: 'maybe' })}\n`]);
    expect(() => JsonlLog.open(bad.path, LABELS_FORMAT)).toThrow(/labels\.jsonl:2: answer must be one of left, right, equal, cant-tell, got "maybe"/);
    const v2 = logWith(['{"format":"rlhf-arcade/labels","version":2}\n']);
    expect(() => JsonlLog.open(v2.path, LABELS_FORMAT)).toThrow(/:1: rlhf-arcade\/labels version 2; this build reads version 1/);
    const other = logWith(['{"format":"rlhf-arcade/clips","version":1}\n']);
    expect(() => JsonlLog.open(other.path, LABELS_FORMAT)).toThrow(/:1: not a rlhf-arcade\/labels log/);
    expect(existsSync(other.path)).toBe(true);
  });

  it('refuses to append a record of the wrong shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const { log } = JsonlLog.open(join(dir, 'labels.jsonl'), LABELS_FORMAT);
    expect(() => log.append({ ...label('p0'), left: 'c1' } as never)).toThrow(/two different clip ids/);
    appendFileSync(join(dir, 'labels.jsonl'), '');
    expect(JsonlLog.open(join(dir, 'labels.jsonl'), LABELS_FORMAT).records).toEqual([]);
  });
});
