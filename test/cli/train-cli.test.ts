import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { makeEnv } from '../../src/env/index.js';
import { REWARD_MODEL_DEFAULTS } from '../../src/learning/preferences/reward-model.js';
import { normalisedScore, preferenceTarget, type TargetCell } from '../../src/session/evaluate.js';
import { loadCheckpoint } from '../../src/session/trainer.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

// Each test here runs the CLIs as processes, several each, started by tsx: 20-29 s for some beside two benchmark
// jobs, against the suite's 30 s for in-process tests. Tests that train more say so themselves.
vi.setConfig({ testTimeout: 90_000 });

function train(...args: string[]) {
  const r = spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run train: bad input gets one clear line and a non-zero exit', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'arcade-cli-')), 'run');

  it.each([
    [['--env', 'Pongg', '--steps', '10', '--out', out], /argument 'Pongg' is invalid.*Pong, Breakout/],
    [['--env', 'Pong', '--steps', '-5', '--out', out], /--steps.*expected a positive whole number, got "-5"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--num-envs', '0'], /--num-envs.*got "0"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--gamma', '1.5'], /--gamma.*expected a number in \[0, 1\], got "1\.5"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--frob'], /unknown option '--frob'/],
    [['--env', 'Pong', '--out', out], /--steps is required/],
    [['--env', 'Pong', '--steps', '10', '--out', 'package.json'], /package\.json is a file, not a folder: choose another --out/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'tamer', '--teacher', 'scalar-policy'], /--teacher scalar-policy judges actions by an expert run: it needs --expert <run>/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'tamer', '--teacher', 'scalar-oracle', '--expert', out], /--expert is for the teachers scalar-expert and scalar-policy, not scalar-oracle/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--backend', 'tensorflow'], /tensorflow backend cannot load/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences'], /--reward preferences needs a preference --teacher \(oracle, /],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--teacher', 'sage'], /unknown teacher "sage"; known: oracle/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--feedback', '5'], /--feedback only apply to --reward tamer/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--agent', 'greedy-h'], /greedy-h agent acts on live feedback alone/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'tamer', '--teacher', 'scalar-oracle', '--feedback-weight', '0'], /--feedback-weight.*got "0"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--feedback-weight', '0.5'], /--feedback-weight only apply to --reward tamer/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward-input', 'frames'], /--reward-input.*Allowed choices are state, transition/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--normalise-on', 'initial'], /--normalise-on only apply to --reward preferences/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--normalise-on', 'pool'], /--normalise-on.*Allowed choices are recent, initial/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward-input', 'transition'], /--reward-input only apply to --reward preferences/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward-update-every', '100'], /--reward-update-every only apply to --reward preferences/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--reward-std', '-1'], /--reward-std.*got "-1"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--reward-update-every', '0'], /--reward-update-every.*got "0"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--reward-members', '0'], /--reward-members.*got "0"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences', '--teacher', 'oracle', '--answer-noise', '1'], /--answer-noise.*expected a number in \[0, 1\), got "1"/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward-input', 'delta', '--answer-noise', '0.2'], /--reward-input, --answer-noise only apply to --reward preferences/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'tamer', '--teacher', 'scalar-oracle', '--screen-labels'], /--screen-labels only apply to --reward preferences or preferences\+tamer/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward-members', '5', '--reward-std', '0.1'], /--reward-std, --reward-members only apply to a learned reward: --reward preferences, tamer/],
    [['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'tamer', '--teacher', 'scalar-oracle', '--answer-noise', '0.2'], /--answer-noise only apply to --reward preferences or preferences\+tamer/],
    [
      ['--env', 'Pong', '--steps', '10', '--out', out, '--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle', '--reward-input', 'transition'],
      /action-dependent reward model .* its input must be "state"/,
    ],
  ])('%j', (args, message) => {
    const r = train(...args);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
  });

  it('trains a tiny run and refuses to overwrite it without --resume', () => {
    const ok = train('--env', 'Pong', '--steps', '400', '--num-envs', '4', '--out', out, '--log-every', '200');
    expect(ok.err).not.toMatch(/error|warn/i); // stderr carries the progress bar only
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/done: 400 steps/);
    const again = train('--env', 'Pong', '--steps', '400', '--out', out);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/already holds another run.*--resume/);
  });

  it('evaluates it greedily into eval.json and sampled into eval-sampled.json, neither overwriting the other', () => {
    const evaluate = (...args: string[]) => spawnSync(tsx, ['src/cli/eval.ts', out, '--episodes', '1', ...args], { encoding: 'utf8', timeout: 60_000 });
    const read = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8'));
    const greedy = evaluate();
    expect(greedy.status, greedy.stderr).toBe(0);
    const sampled = evaluate('--sample');
    expect(sampled.status, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/eval-sampled\.json/);
    expect(read('eval.json').policy).toBe('greedy');
    expect(read('eval-sampled.json').policy).toBe('sampled');
    expect(read('eval-sampled.json').steps).toBe(400);
    // The action mix over the episode: one share per action, summing to 1, and printed.
    for (const file of ['eval.json', 'eval-sampled.json']) {
      const shares = Object.values(read(file).actionShares) as number[];
      expect(shares.length).toBeGreaterThan(1);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    }
    expect(sampled.stdout).toMatch(/^actions: [A-Z]+ \d+%/m);
    // A run folder with no checkpoint yet is named, not met with a raw ENOENT.
    const untrained = join(out, '..', 'untrained');
    mkdirSync(untrained);
    copyFileSync(join(out, 'config.json'), join(untrained, 'config.json'));
    const none = spawnSync(tsx, ['src/cli/eval.ts', untrained], { encoding: 'utf8', timeout: 60_000 });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/untrained has no checkpoint yet .*train it first/);
  });
});

describe('npm run train: the reward input', () => {
  it('records what the reward model reads and how often it trains in config.json, the defaults too', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const input = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).preferences.rewardModel.input;
    const base = ['--env', 'Pong', '--reward', 'preferences', '--teacher', 'oracle', '--labels', '10', '--pretrain-epochs', '2', '--steps', '200', '--num-envs', '4'];
    const a = train(...base, '--out', join(root, 'a'));
    expect(a.code, a.err).toBe(0);
    expect(input(join(root, 'a'))).toBe('state');
    const b = train(...base, '--reward-input', 'transition', '--reward-update-every', '50', '--reward-std', '0.25', '--reward-members', '2', '--answer-noise', '0.2', '--reward-dropout', '0.5', '--no-screen-labels', '--normalise-on', 'recent', '--out', join(root, 'b'));
    expect(b.code, b.err).toBe(0);
    expect(input(join(root, 'b'))).toBe('transition');
    const prefs = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).preferences;
    expect(prefs(join(root, 'a')).rewardUpdateEvery).toBe(1000);
    expect(prefs(join(root, 'b')).rewardUpdateEvery).toBe(50);
    // Pong's preference runs screen their labels unless told not to (preferenceRunDefaults).
    expect(prefs(join(root, 'a')).screenLabels).toBe(true);
    expect(prefs(join(root, 'b')).screenLabels).toBe(false);
    // ... and renormalise on the first labels' clips unless told the agent's recent ones.
    expect(prefs(join(root, 'a')).normaliseOn).toBe('initial');
    expect(prefs(join(root, 'b')).normaliseOn).toBe('recent');
    // Every setting of the reward model is recorded, the defaults too, so that a later default cannot change the run.
    expect(prefs(join(root, 'a')).rewardModel).toEqual({ ...REWARD_MODEL_DEFAULTS, input: 'state' });
    expect(prefs(join(root, 'b')).rewardModel).toEqual({ ...REWARD_MODEL_DEFAULTS, input: 'transition', rewardStd: 0.25, members: 2, answerNoise: 0.2, dropout: 0.5 });
    // The run's reward model has the two members it was given: their weights are in the checkpoint.
    const ck = loadCheckpoint(join(root, 'b', 'checkpoints', 'latest.ckpt'));
    const a2 = loadCheckpoint(join(root, 'a', 'checkpoints', 'latest.ckpt'));
    expect(ck.rewardModel!.shift).toHaveLength(2);
    expect(a2.rewardModel!.shift).toHaveLength(3);
  });

  it('scripts/reward-features.ts names the ram features the learned reward follows, and refuses a run without one', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const common = ['--env', 'Pong', '--steps', '200', '--num-envs', '4'];
    expect(train(...common, '--reward', 'preferences', '--teacher', 'oracle', '--labels', '10', '--pretrain-epochs', '2', '--out', join(root, 'p')).code).toBe(0);
    expect(train(...common, '--out', join(root, 't')).code).toBe(0);
    const features = (...args: string[]) => spawnSync(tsx, ['scripts/reward-features.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
    const pongFeatures = makeEnv('Pong').emulator.game.spec.ram.map((f) => f.name);
    // The first line after the heading is the true reward's correlation, then the features, strongest first.
    const table = (out: string) => {
      const lines = out.trim().split('\n').slice(1);
      // 1,000 steps of a policy trained for 200 hold points won and lost: the correlation is a number.
      expect(lines[0]).toMatch(/^ +\(the true reward\) +-?\d\.\d\d$/);
      const rows = lines.slice(1).map((row) => row.trim().split(/\s+/));
      const corr = rows.map((row) => Math.abs(Number(row.at(-1))));
      expect(corr).toEqual([...corr].sort((a, b) => b - a));
      expect(corr[0]).toBeGreaterThan(0);
      return rows.map(([name]) => name);
    };
    const ok = features(join(root, 'p'), '--steps', '1000', '--top', '4');
    expect(ok.status, ok.stderr).toBe(0);
    const names = table(ok.stdout);
    expect(names).toHaveLength(4);
    for (const name of names) expect(pongFeatures).toContain(name);
    // A delta model sees only what a step changed: it is compared with the features' changes alone.
    expect(train(...common, '--reward', 'preferences', '--teacher', 'oracle', '--labels', '10', '--pretrain-epochs', '2', '--reward-input', 'delta', '--out', join(root, 'd')).code).toBe(0);
    const delta = features(join(root, 'd'), '--steps', '1000', '--top', '4');
    expect(delta.status, delta.stderr).toBe(0);
    const changes = table(delta.stdout);
    expect(changes).toHaveLength(4);
    for (const name of changes) expect(pongFeatures).toContain(name.replace(/^Δ/, ''));
    expect(changes.every((name) => name.startsWith('Δ'))).toBe(true);
    // A true-reward run has no reward model; as the policy, its unmasked Pong is not what the reward's run saw.
    const none = features(join(root, 't'));
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/^error: .*holds no reward model: run .* trains on the true score/);
    const mismatch = features(join(root, 'p'), join(root, 't'));
    expect(mismatch.status).not.toBe(0);
    expect(mismatch.stderr).toMatch(/^error: the policy's run .* sees Pong \(ram, maskScore false\), the reward's run .* Pong \(ram, maskScore true\)/);
  }, 60_000); // three runs trained and five scripts started, each a process of its own

  it('scripts/reward-features.ts compares a transition model with every feature and its change', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const common = ['--env', 'Pong', '--steps', '200', '--num-envs', '4'];
    const pongFeatures = makeEnv('Pong').emulator.game.spec.ram.map((f) => f.name);
    expect(train(...common, '--reward', 'preferences', '--teacher', 'oracle', '--labels', '10', '--pretrain-epochs', '2', '--reward-input', 'transition', '--out', join(root, 'tr')).code).toBe(0);
    const transition = spawnSync(tsx, ['scripts/reward-features.ts', join(root, 'tr'), '--steps', '1000', '--top', String(2 * pongFeatures.length)], { encoding: 'utf8', timeout: 60_000 });
    expect(transition.status, transition.stderr).toBe(0);
    const names = transition.stdout.trim().split('\n').slice(2).map((row) => row.trim().split(/\s+/)[0]);
    for (const name of names) expect([...pongFeatures, ...pongFeatures.map((f) => `Δ${f}`)]).toContain(name);
    // (features that never vary over the play, such as the masked score, have no correlation and are left out)
    expect(names.filter((name) => name.startsWith('Δ')).length).toBeGreaterThan(3);
    expect(names.filter((name) => !name.startsWith('Δ')).length).toBeGreaterThan(3);
  }, 60_000); // a run trained and a script started, each a process of its own

  it('defaults to the transition on Enduro, unless the run says otherwise or has live feedback (Ĥ(s, a) reads the state)', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const input = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).preferences.rewardModel.input;
    const base = ['--env', 'Enduro', '--teacher', 'oracle', '--labels', '10', '--pretrain-epochs', '2', '--steps', '200', '--num-envs', '4'];
    const runs = {
      byDefault: [...base, '--reward', 'preferences'],
      state: [...base, '--reward', 'preferences', '--reward-input', 'state'],
      withFeedback: [...base, '--reward', 'preferences+tamer', '--teacher', 'scalar-oracle', '--feedback', '5', '--live-speed', '1000'],
    };
    const want = { byDefault: 'transition', state: 'state', withFeedback: 'state' };
    for (const [name, args] of Object.entries(runs)) {
      const r = train(...args, '--out', join(root, name));
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      expect(input(join(root, name)), name).toBe(want[name as keyof typeof want]);
    }
  });
});

describe('npm run train: per-game preference defaults', () => {
  it('gives Breakout the delta model at the score\'s scale with episode ends hidden, unless told; its true-reward and live-feedback runs keep theirs', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const dry = (...args: string[]) => {
      const r = train(...args, '--steps', '200', '--out', join(root, 'never'), '--dry-run');
      expect(r.code, r.err).toBe(0);
      const c = JSON.parse(r.out);
      const model = c.preferences?.rewardModel ?? c.tamer?.rewardModel;
      return [model?.input, model?.rewardStd, c.a2c.episodeEnds];
    };
    const prefs = ['--reward', 'preferences', '--teacher', 'oracle'];
    expect(dry('--env', 'Breakout', ...prefs)).toEqual(['delta', 0.2, 'hidden']);
    expect(dry('--env', 'Breakout', ...prefs, '--reward-input', 'transition', '--reward-std', '0.05', '--episode-ends', 'shown')).toEqual(['transition', 0.05, 'shown']);
    expect(dry('--env', 'Enduro', ...prefs)).toEqual(['transition', 0.05, 'shown']);
    expect(dry('--env', 'Pong', ...prefs)).toEqual(['state', 0.05, 'shown']);
    expect(dry('--env', 'Breakout')).toEqual([undefined, undefined, 'shown']);
    // Ĥ(s, a) reads the state, at the scale of the rest.
    expect(dry('--env', 'Breakout', '--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle')).toEqual(['state', 0.05, 'hidden']);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});

describe('npm run train: the discount', () => {
  it("is 0 for A2C on live feedback alone (TAMER's myopic agent), baselines' 0.99 for every other run, unless told", () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const gamma = (...args: string[]) => {
      const r = train('--env', 'Pong', ...args, '--steps', '200', '--out', join(root, 'never'), '--dry-run');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).a2c.gamma;
    };
    const tamer = ['--reward', 'tamer', '--teacher', 'scalar-oracle'];
    expect(gamma(...tamer)).toBe(0);
    expect(gamma(...tamer, '--gamma', '0.9')).toBe(0.9);
    expect(gamma(...tamer, '--agent', 'greedy-h')).toBe(0.99);
    expect(gamma('--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle')).toBe(0.99);
    expect(gamma('--reward', 'preferences', '--teacher', 'oracle')).toBe(0.99);
    expect(gamma()).toBe(0.99);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});

describe('npm run train: what the agent is paid with both channels', () => {
  it("is the state's mean of Ĥ over actions unless told --agent-reward action, and --agent-reward is refused with one channel", () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const both = ['--env', 'Pong', '--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle', '--steps', '200', '--out', join(root, 'never'), '--dry-run'];
    const paid = (...args: string[]) => {
      const r = train(...both, ...args);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).preferences.rewardModel.stateReward;
    };
    expect(paid()).toBe(true);
    expect(paid('--agent-reward', 'state')).toBe(true);
    expect(paid('--agent-reward', 'action')).toBe(false);
    const alone = train('--env', 'Pong', '--reward', 'preferences', '--teacher', 'oracle', '--steps', '200', '--out', join(root, 'never'), '--agent-reward', 'state');
    expect(alone.code).not.toBe(0);
    expect(alone.err).toMatch(/--agent-reward only applies to --reward preferences\+tamer/);
    const wrong = train(...both, '--agent-reward', 'taken');
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toMatch(/--agent-reward.*taken.*state, action/s);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});

describe('npm run train: episode ends', () => {
  it('hides them from agents on a reward taught by live feedback unless told, shows them otherwise, and records which', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const ends = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).a2c.episodeEnds;
    const tamer = ['--env', 'Pong', '--reward', 'tamer', '--teacher', 'scalar-oracle', '--feedback', '5', '--steps', '160', '--num-envs', '2'];
    const runs: [string, string[], string][] = [
      ['tamer', tamer, 'hidden'],
      ['tamer-shown', [...tamer, '--episode-ends', 'shown'], 'shown'],
      ['true', ['--env', 'Pong', '--steps', '160', '--num-envs', '2'], 'shown'],
    ];
    for (const [name, args, want] of runs) {
      const r = train(...args, '--out', join(root, name));
      expect(r.code, r.err).toBe(0);
      expect(ends(join(root, name)), name).toBe(want);
    }
  });

  it('records the live feedback channel\'s weight', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-cli-')), 'run');
    const r = train('--env', 'Pong', '--reward', 'tamer', '--teacher', 'scalar-oracle', '--feedback', '5', '--feedback-weight', '0.25', '--steps', '160', '--num-envs', '2', '--out', dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).tamer.weight).toBe(0.25);
  });
});

describe('npm run train --resume', () => {
  it('refuses settings that a resumed run cannot change', () => {
    const r = spawnSync(tsx, ['src/cli/train.ts', '--out', '/nonexistent', '--resume', '--lr', '0.1', '--num-envs', '4'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--num-envs, --lr cannot change when resuming/);
  });
});

describe('npm run train --dry-run', () => {
  it('prints the settings a new run records in config.json and creates nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const args = ['--env', 'Pong', '--reward', 'preferences', '--teacher', 'mistake', '--labels', '10', '--pretrain-epochs', '2', '--steps', '200', '--num-envs', '4', '--reward-dropout', '0.25', '--gamma', '0.9'];
    const dry = train(...args, '--out', join(root, 'dry'), '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(existsSync(join(root, 'dry'))).toBe(false);
    const real = train(...args, '--out', join(root, 'real'));
    expect(real.code, real.err).toBe(0);
    const { version, kind, id: _id, ...recorded } = JSON.parse(readFileSync(join(root, 'real', 'config.json'), 'utf8'));
    expect([version, kind]).toEqual([expect.any(Number), 'train']);
    expect(JSON.parse(dry.out)).toEqual(recorded);
    expect(recorded.preferences).toMatchObject({ teacher: 'mistake', decaySteps: 67, rewardModel: { input: 'state', dropout: 0.25 } });
    expect(recorded.a2c.gamma).toBe(0.9);
    const resumed = train('--out', join(root, 'real'), '--resume', '--dry-run');
    expect(resumed.code).not.toBe(0);
    expect(resumed.err).toMatch(/--dry-run shows a new run's settings; a resumed run keeps those in .*real\/config\.json/);
  });

  it("records the reward net's settings of a run with live feedback alone in tamer.rewardModel", () => {
    const dry = train('--env', 'Pong', '--reward', 'tamer', '--teacher', 'scalar-oracle', '--steps', '200', '--reward-std', '0.1', '--reward-members', '2', '--out', '/nonexistent/x', '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    const config = JSON.parse(dry.out);
    expect(config.preferences).toBeUndefined();
    expect(config.tamer.rewardModel).toMatchObject({ rewardStd: 0.1, members: 2, dropout: 0, actionDependent: true, normaliseAllActions: true, input: 'state' });
  });
});

describe('npm run train: the state-entropy bonus', () => {
  it('records its coefficient and its span (a third of --steps unless told); refuses a span without a bonus, and pixels', () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-cli-'));
    const a2c = (...args: string[]) => {
      const r = train('--env', 'SpaceInvaders', '--reward', 'preferences', '--teacher', 'oracle', '--steps', '3000', ...args, '--out', join(root, 'never'), '--dry-run');
      expect(r.code, r.err).toBe(0);
      const { stateEntropy, stateEntropySteps } = JSON.parse(r.out).a2c;
      return [stateEntropy, stateEntropySteps];
    };
    expect(a2c('--state-entropy', '1')).toEqual([1, 1000]);
    expect(a2c('--state-entropy', '0.5', '--state-entropy-steps', '2500')).toEqual([0.5, 2500]);
    expect(a2c()).toEqual([0, 1_000_000]);
    const span = train('--env', 'Pong', '--steps', '300', '--state-entropy-steps', '100', '--out', join(root, 'never'));
    expect([span.code, span.err.trim()]).toEqual([1, 'error: --state-entropy-steps schedules the bonus of --state-entropy, which this run is not paid: give that too']);
    const pixels = train('--env', 'Pong', '--obs', 'pixels', '--steps', '300', '--state-entropy', '1', '--out', join(root, 'never'));
    expect(pixels.code).not.toBe(0);
    expect(pixels.err).toMatch(/state-entropy bonus .* measures distances between ram observations/);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('is, with the label screen, what preference runs of Pong and Enduro default to (Breakout: the screen alone); either can be turned off', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'arcade-cli-')), 'never');
    const settings = (env: string, ...args: string[]) => {
      const r = train('--env', env, '--steps', '3000', ...args, '--out', out, '--dry-run');
      expect(r.code, r.err).toBe(0);
      const c = JSON.parse(r.out);
      return [c.preferences?.screenLabels ?? null, c.a2c.stateEntropy, c.a2c.stateEntropySteps];
    };
    const prefs = ['--reward', 'preferences', '--teacher', 'oracle'];
    for (const env of ['Pong', 'Enduro']) expect(settings(env, ...prefs), env).toEqual([true, 1, 1000]);
    expect(settings('Breakout', ...prefs)).toEqual([true, 0, 1_000_000]);
    for (const env of ['SpaceInvaders', 'Seaquest']) expect(settings(env, ...prefs), env).toEqual([false, 0, 1_000_000]);
    expect(settings('Pong', ...prefs, '--no-screen-labels', '--state-entropy', '0')).toEqual([false, 0, 1_000_000]);
    expect(settings('Pong', ...prefs, '--state-entropy-steps', '500')).toEqual([true, 1, 500]);
    expect(settings('SpaceInvaders', ...prefs, '--screen-labels')).toEqual([true, 0, 1_000_000]);
    // The bonus reads ram; the screen does not care what the agent sees.
    expect(settings('Pong', ...prefs, '--obs', 'pixels')).toEqual([true, 0, 1_000_000]);
    // Neither is a default of the true reward, of live feedback, or of both channels.
    expect(settings('Pong', '--reward', 'true')).toEqual([null, 0, 1_000_000]);
    expect(settings('Pong', '--reward', 'tamer', '--teacher', 'scalar-oracle')).toEqual([null, 0, 1_000_000]);
    expect(settings('Pong', '--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle')).toEqual([false, 0, 1_000_000]);
    const named = train('--env', 'Pong', '--reward', 'true', '--steps', '300', '--no-screen-labels', '--out', out);
    expect([named.code, named.err.trim()]).toEqual([1, 'error: --no-screen-labels only apply to --reward preferences or preferences+tamer']);
  });
});

describe('npm run train: the clip length', () => {
  it("is 25 agent steps unless told, but Enduro's preference runs cut clips of 50", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'arcade-cli-')), 'never');
    const clipLength = (env: string, ...args: string[]) => {
      const r = train('--env', env, '--steps', '3000', ...args, '--out', out, '--dry-run');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).preferences.clipLength;
    };
    const prefs = ['--reward', 'preferences', '--teacher', 'oracle'];
    expect(clipLength('Pong', ...prefs)).toBe(25);
    expect(clipLength('Enduro', ...prefs)).toBe(50);
    expect(clipLength('Enduro', ...prefs, '--clip-length', '25')).toBe(25);
    expect(clipLength('Pong', ...prefs, '--clip-length', '40')).toBe(40);
    // Not measured with both channels: the rest's length.
    expect(clipLength('Enduro', '--reward', 'preferences+tamer', '--teacher', 'oracle', '--teacher', 'scalar-oracle')).toBe(25);
    const refused = train('--env', 'Enduro', '--reward', 'true', '--steps', '300', '--clip-length', '50', '--out', out);
    expect([refused.code, refused.err.trim()]).toEqual([1, 'error: --clip-length only apply to --reward preferences or preferences+tamer']);
    expect(existsSync(out)).toBe(false);
  });
});

describe('npm run train: the expert', () => {
  it('is recorded as a folder, not relative to where the command ran, so a run resumed from elsewhere finds it', () => {
    const dry = train('--env', 'Pong', '--reward', 'tamer', '--teacher', 'scalar-policy', '--expert', 'runs/pong-true', '--steps', '200', '--out', '/nonexistent/x', '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out).tamer.expert).toBe(resolve('runs/pong-true'));
  });
});

describe('npm run bench:learning', () => {
  it('refuses to reuse a run in --out made with other settings, and leaves it as it was', () => {
    const out = mkdtempSync(join(tmpdir(), 'arcade-bench-'));
    const truth = join(out, 'true-Pong-400-s1');
    const made = train('--env', 'Pong', '--steps', '400', '--seed', '1', '--ent-coef', '0.02', '--out', truth);
    expect(made.code, made.err).toBe(0);
    // The preference run's folder holds a run of the true score: another reward, another teacher.
    const pref = join(out, 'pref-oracle-1000-Pong-400-s1');
    mkdirSync(pref);
    copyFileSync(join(truth, 'config.json'), join(pref, 'config.json'));
    const before = readFileSync(join(truth, 'config.json'), 'utf8');
    const r = spawnSync(tsx, ['bench/learning.ts', '--games', 'Pong', '--seeds', '1', '--steps', '400', '--teachers', 'oracle', '--jobs', '1', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/true-Pong-400-s1 was made with other settings than this benchmark gives it \(a2c\.entCoef 0\.02 -> 0\.01\)/);
    expect(r.stderr).toMatch(/pref-oracle-1000-Pong-400-s1 was made with other settings .*maskScore false -> true.*preferences \(none\) -> \{.*reward "true" -> "preferences"/);
    expect(readFileSync(join(truth, 'config.json'), 'utf8')).toBe(before);
    expect(existsSync(join(truth, 'eval.json'))).toBe(false); // nothing evaluated
    expect(existsSync(join(pref, 'summary.json'))).toBe(false); // nothing trained
    // --true-extra gives the true-reward runs those settings: that run is now the one the benchmark wants.
    const r2 = spawnSync(tsx, ['bench/learning.ts', '--games', 'Pong', '--seeds', '1', '--steps', '400', '--teachers', 'oracle', '--jobs', '1', '--episodes', '1', '--out', out, '--true-extra', '--ent-coef 0.02'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).not.toMatch(/true-Pong-400-s1 was made with other settings/);
    expect(r2.stderr).toMatch(/pref-oracle-1000-Pong-400-s1 was made with other settings/);
    expect(readFileSync(join(truth, 'config.json'), 'utf8')).toBe(before);
  });

  it("with --expert-seed, every seed's expert teacher judges by that seed's true-reward run, which the table leaves out", () => {
    const out = mkdtempSync(join(tmpdir(), 'arcade-bench-'));
    const bench = (...args: string[]) =>
      spawnSync(tsx, ['bench/learning.ts', '--games', 'Pong', '--seeds', '1', '--steps', '400', '--jobs', '2', '--episodes', '1', '--out', out, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    const refused = bench('--teachers', 'oracle', '--expert-seed', '2');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/--expert-seed names the expert of scalar-expert and scalar-policy; no teacher in --teachers \(oracle\) has one/);
    expect(readdirSync(out)).toEqual([]); // nothing trained

    const r = bench('--teachers', 'scalar-policy', '--agent', 'greedy-h', '--live-steps', '60', '--feedback', '20', '--expert-seed', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/The expert teachers of every seed judge by seed 2's true-reward run\./);
    const run = join(out, 'tamer-greedy-h-scalar-policy-20-Pong-expert2-60-s1');
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(realpathSync(config.tamer.expert)).toBe(realpathSync(join(out, 'true-Pong-400-s2')));
    expect(existsSync(join(out, 'true-Pong-400-s2', 'eval.json'))).toBe(true); // the expert was trained and evaluated
    // The table's true reward is seed 1's alone: seed 2 judges, it is not one of the benchmark's seeds. Two
    // 400-step runs may score alike, so seed 2's evaluation is made to stand out, and the table printed again
    // from the runs as they are.
    const evalOf = (seed: number) => join(out, `true-Pong-400-s${seed}`, 'eval.json');
    writeFileSync(evalOf(2), JSON.stringify({ ...JSON.parse(readFileSync(evalOf(2), 'utf8')), meanReturn: 21 }));
    const again = bench('--teachers', 'scalar-policy', '--agent', 'greedy-h', '--live-steps', '60', '--feedback', '20', '--expert-seed', '2');
    expect(again.status, again.stderr).toBe(0);
    const { rows } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(rows).toHaveLength(1);
    expect(rows[0].truth).toBe(JSON.parse(readFileSync(evalOf(1), 'utf8')).meanReturn);
  }, 180_000); // three runs trained and the table printed twice, each a process of its own

  it('gives games their own step budgets (--steps-for), and reads the table against the preference target by each measure, as preferenceTarget does', () => {
    const out = mkdtempSync(join(tmpdir(), 'arcade-bench-'));
    const bench = (...args: string[]) =>
      spawnSync(tsx, ['bench/learning.ts', '--games', 'Pong', '--seeds', '1', '--steps', '300', '--labels', '12', '--jobs', '2', '--episodes', '1', '--out', out, ...args], {
        encoding: 'utf8',
        timeout: 150_000,
      });
    for (const [bad, why] of [
      ['Pong', /"Pong" is not game=steps/],
      ['Pong=0', /expected a positive whole number, got "0"/],
      ['Pong=400,Pong=500', /Pong is given twice/],
      ['Enduro=400', /--steps-for names Enduro, which is not one of --games \(Pong\)/],
    ] as const) {
      const refused = bench('--steps-for', bad);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(why);
    }
    expect(readdirSync(out)).toEqual([]); // nothing trained
    // Pong's runs, true and learned reward, take --steps-for's budget, not --steps'.
    const r = bench('--steps-for', 'Pong=400');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/A2C on 300 \(Pong 400\) agent steps \(true reward: A2C on 300 \(Pong 400\)\)/);
    for (const run of ['true-Pong-400-s1', 'pref-oracle-12-Pong-400-s1', 'pref-mistake-12-Pong-400-s1']) {
      expect(JSON.parse(readFileSync(join(out, run, 'summary.json'), 'utf8')).steps).toBe(400);
    }
    const { rows } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(rows.map((row: { teacher: string }) => row.teacher)).toEqual(['oracle', 'mistake']);
    type ResultRow = TargetCell & { learned: number; truth: number; random: number; bestConstant: { meanReturn: number } };
    const norm = (row: ResultRow, x: number) => normalisedScore(x, row.truth, row.random);
    const greedy = preferenceTarget(rows.map((row: ResultRow) => ({ game: row.game, teacher: row.teacher, labels: row.labels, normalised: norm(row, row.learned), constant: norm(row, row.bestConstant.meanReturn) })));
    // One game can never meet it: Pong and two others are needed.
    expect(greedy.met).toBe(false);
    const line = r.stdout.split('\n').find((l) => l.startsWith('- greedy: '));
    expect(line).toContain(greedy.passing.includes('Pong') ? '- greedy: not met; both bars: Pong' : `- greedy: not met; both bars: none; short: Pong (${greedy.failing[0].why.join(', ')})`);
    // 400 steps end no Pong episode: no training return to read, where the summaries say 0 (which the table took for a score).
    expect(rows.map((row: { normalisedTraining: number | null }) => row.normalisedTraining)).toEqual([null, null]);
    expect(r.stdout).toMatch(/^- training episodes: not met; both bars: none; short: Pong \(oracle not measured, mistake not measured\)$/m);
    expect(r.stdout).toMatch(/^- sampled: not met; /m);
  }, 180_000);
});
