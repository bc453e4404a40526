import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf } from '../../src/learning/tf.js';
import { Trainer } from '../../src/session/trainer.js';
import { preferenceConfig, trainRun } from '../export/runs.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const root = mkdtempSync(join(tmpdir(), 'export-cli-'));
const run = join(root, 'run');

function cli(script: string, ...args: string[]) {
  const r = spawnSync(tsx, [`src/cli/${script}.ts`, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await initTf();
  await trainRun(run, preferenceConfig({ seed: 11, steps: 500, labels: 12 }));
}, 60_000);

describe('npm run export, npm run labels and train --reward-model', () => {
  it('exports a reward model and trains a new agent on it, refusing another game', () => {
    const out = join(root, 'exported');
    const ok = cli('export', run, '--out', out);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/exported the Pong reward model of .* \(step 500, 12 labels; held-out accuracy .*\) to .*: model\.json, weights\.bin, reward\.onnx, reward-card\.json/);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'reward-card.json', 'reward.onnx', 'weights.bin']);

    const frozen = join(root, 'frozen');
    const trained = cli('train', '--env', 'Pong', '--reward-model', out, '--steps', '200', '--num-envs', '4', '--out', frozen);
    expect(trained.code, trained.err).toBe(0);
    expect(trained.out).toMatch(/on reward "model"/);
    expect(JSON.parse(readFileSync(join(frozen, 'config.json'), 'utf8'))).toMatchObject({ reward: 'model', maskScore: true, rewardModelInit: { from: out, mode: 'frozen' } });
    const wrong = cli('train', '--env', 'Breakout', '--reward-model', out, '--steps', '200', '--out', join(root, 'wrong'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toMatch(/^error: .*reward-card\.json: the reward model was trained on Pong; this run plays Breakout/);
    expect(existsSync(join(root, 'wrong'))).toBe(false);
    const input = cli('train', '--env', 'Pong', '--reward-model', out, '--reward-input', 'transition', '--steps', '200', '--out', join(root, 'input'));
    expect(input.code).not.toBe(0);
    expect(input.err).toMatch(/--reward-input: the exported model reads the state \(its card says so\)/);
    expect(existsSync(join(root, 'input'))).toBe(false);
    const members = cli('train', '--env', 'Pong', '--reward-model', out, '--reward-model-mode', 'fine-tune', '--teacher', 'oracle', '--reward-members', '5', '--steps', '200', '--out', join(root, 'members'));
    expect(members.code).not.toBe(0);
    expect(members.err).toMatch(/--reward-members: the exported model has 3 \(its card says so\)/);
    expect(existsSync(join(root, 'members'))).toBe(false);
    const noTeacher = cli('train', '--env', 'Pong', '--reward-model', out, '--reward-model-mode', 'fine-tune', '--steps', '200', '--out', join(root, 'no-teacher'));
    expect(noTeacher.code).not.toBe(0);
    expect(noTeacher.err).toMatch(/--reward-model-mode fine-tune \(training on preferences\) needs a preference --teacher/);
    const notExport = cli('train', '--env', 'Pong', '--reward-model', root, '--steps', '200', '--out', join(root, 'not-export'));
    expect(notExport.err).toMatch(/--reward-model .*: no reward-card\.json there; give a folder written by npm run export/);
    expect(existsSync(join(root, 'no-teacher')) || existsSync(join(root, 'not-export'))).toBe(false);
  }, 120_000); // seven CLI processes, each started by tsx: 12-20 s on the 2-core machine, 33 s beside two benchmark jobs

  it('exports the labels and imports them into another run', async () => {
    const file = join(root, 'labels.jsonl');
    const exported = cli('labels', 'export', run, '--out', file);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/exported 12 labels on \d+ clips and 0 presses of .* to .*labels\.jsonl/);
    const other = join(root, 'other');
    (await Trainer.create(other, preferenceConfig({ seed: 12 }))).dispose();
    const imported = cli('labels', 'import', file, '--into', other);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/imported 12 labels, \d+ clips and 0 presses into/);
  });
});
