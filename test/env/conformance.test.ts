import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../src/env/check-env.js';
import { listEnvs, makeEnv } from '../../src/env/index.js';

describe('every env passes the conformance checker', () => {
  it('lists the five games', () => {
    expect(listEnvs()).toEqual(['Pong', 'Breakout', 'SpaceInvaders', 'Enduro', 'Seaquest']);
  });

  for (const id of listEnvs()) {
    for (const obsType of ['ram', 'pixels'] as const) {
      it(`${id} ${obsType}`, () => {
        checkEnv(() => makeEnv(id, { obsType }));
      });
    }
  }
});
