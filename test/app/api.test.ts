import { describe, expect, it } from 'vitest';
import { listEnvs } from '../../src/env/index';
import { ANSWERS, TEACHERS } from '../../src/learning/preferences/teachers';
import { EXPERT_TEACHERS, SCALAR_TEACHERS } from '../../src/session/tamer';
import { REWARD_MODEL_DEFAULTS } from '../../src/learning/preferences/reward-model';
import { PREFERENCE_DEFAULTS } from '../../src/session/preferences';
import { AGENTS, REWARD_SOURCES } from '../../src/session/trainer';
import { GAME_PREFERENCE_DEFAULTS } from '../../src/shared/game-defaults';
import {
  AGENT_NAMES,
  ANSWER_VALUES,
  EXPERT_TEACHER_NAMES,
  GAMES,
  INITIAL_LABEL_FRACTION,
  OPS,
  parseRequest,
  PRETRAIN_EPOCHS,
  pretrainingUpdates,
  REQUESTS,
  REWARD_BATCH_LABELS,
  rewardOfChannels,
  SCALAR_TEACHER_NAMES,
  TEACHER_NAMES,
} from '../../src/shared/api';

describe('the API contract', () => {
  it('names the same games, teachers and answers as the code it fronts', () => {
    expect([...GAMES]).toEqual(listEnvs());
    expect([...TEACHER_NAMES].sort()).toEqual(Object.keys(TEACHERS).sort());
    expect([...ANSWER_VALUES]).toEqual([...ANSWERS]);
    expect(Object.keys(REQUESTS).sort()).toEqual([...OPS].sort());
    expect([...SCALAR_TEACHER_NAMES]).toEqual([...SCALAR_TEACHERS]);
    expect([...EXPERT_TEACHER_NAMES]).toEqual([...EXPERT_TEACHERS]);
    expect([...AGENT_NAMES]).toEqual([...AGENTS]);
    // Every game with its own preference defaults is a game; every reward the channels name is a reward source.
    for (const game of Object.keys(GAME_PREFERENCE_DEFAULTS)) expect(GAMES).toContain(game);
    for (const channels of [['preferences'], ['scalar'], ['preferences', 'scalar'], ['scalar', 'preferences']]) {
      expect(REWARD_SOURCES).toContain(rewardOfChannels(channels));
    }
  });

  it('names the reward a run learns after its feedback channels', () => {
    expect(rewardOfChannels(['preferences'])).toBe('preferences');
    expect(rewardOfChannels(['scalar'])).toBe('tamer');
    expect(rewardOfChannels(['scalar', 'preferences'])).toBe('preferences+tamer');
    expect(rewardOfChannels([])).toBeUndefined();
  });

  it("estimates pretraining from the learner's own defaults", () => {
    expect([INITIAL_LABEL_FRACTION, REWARD_BATCH_LABELS, PRETRAIN_EPOCHS]).toEqual([PREFERENCE_DEFAULTS.initialFraction, REWARD_MODEL_DEFAULTS.batchSize, PREFERENCE_DEFAULTS.pretrainEpochs]);
    expect(REWARD_MODEL_DEFAULTS.valFraction).toBeCloseTo(1 / Math.E, 12);
    // 400 labels: 100 first, about 63 trained on, two minibatches a pass; 10 labels: 2 first, one a pass.
    expect(pretrainingUpdates(400, 200)).toBe(Math.ceil(200 * (63 / 32)));
    expect(pretrainingUpdates(10, 20)).toBe(20);
  });

  it('takes well-formed requests and fills defaults', () => {
    expect(parseRequest('answer', { pairId: 'p3', answer: 'cant-tell' }).args).toEqual({ pairId: 'p3', answer: 'cant-tell' });
    expect(parseRequest('nextPair', {}).args).toEqual({ exclude: [] });
    expect(parseRequest('status', undefined).op).toBe('status');
    expect(parseRequest('feedback', { value: -0.25 }).args).toEqual({ value: -0.25 });
    expect(parseRequest('createRun', { name: 'r', env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, steps: 1000, seed: 0 }).args).toMatchObject({
      scalarTeacher: null,
      agent: 'a2c',
    });
  });

  it('rejects malformed requests naming the field', () => {
    expect(() => parseRequest('answer', { pairId: 'p3' })).toThrow(/bad arguments to answer: answer/);
    expect(() => parseRequest('answer', { pairId: 'p3', answer: 'left', extra: 1 })).toThrow(/extra/);
    expect(() => parseRequest('openRun', { name: '../../etc' })).toThrow(/openRun: name: a run name is/);
    expect(() => parseRequest('status', { now: true })).toThrow(/bad arguments to status/);
    expect(() => parseRequest('feedback', { value: 5 })).toThrow(/bad arguments to feedback: value/);
    expect(() => parseRequest('feedback', { value: 1, time: 2 })).toThrow(/bad arguments to feedback: .*time/);
    expect(() => parseRequest('createRun', { name: 'r', env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, steps: 1000, seed: 0, agent: 'dqn' })).toThrow(/createRun: agent/);
    expect(() => parseRequest('rm', {})).toThrow(/unknown operation "rm"; known: appInfo, listRuns/);
    expect(() => parseRequest('toString', undefined)).toThrow(/unknown operation/);
  });
});
