/** The renderer's entry: for now, a gallery of the games played live by a random agent. */
// Our CSP forbids eval; pixi's shader/uniform code generation then needs this polyfill module.
import 'pixi.js/unsafe-eval';
import { Application, BufferImageSource, Sprite, Texture } from 'pixi.js';
import { listEnvs, makeEnv } from '../../env/index';
import { renderRgba } from '../../env/atari-env';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../../env/screen';

const SCALE = 2;
const AGENT_STEPS_PER_SECOND = 15; // 60 Hz frames with frame skip 4, as the agent sees the game

async function gameTile(id: string, parent: HTMLElement): Promise<void> {
  const env = makeEnv(id);
  env.reset({ seed: 1 });
  const tile = document.createElement('div');
  tile.className = 'tile';
  parent.append(tile);

  const app = new Application();
  await app.init({ width: SCREEN_WIDTH * SCALE, height: SCREEN_HEIGHT * SCALE, background: '#000000' });
  tile.append(app.canvas);
  const rgba = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 4);
  const source = new BufferImageSource({ resource: rgba, width: SCREEN_WIDTH, height: SCREEN_HEIGHT, format: 'rgba8unorm', scaleMode: 'nearest' });
  const sprite = new Sprite(new Texture({ source }));
  sprite.scale.set(SCALE);
  app.stage.addChild(sprite);

  const spec = env.emulator.game.spec;
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${spec.summary} Actions: ${spec.actions.join(', ')}.`;
  tile.append(name, meta);

  // Every emulator frame is shown (60 fps), not only the agent's skipped steps.
  const view = new Uint8ClampedArray(rgba.buffer);
  env.onFrame = (pixels) => renderRgba(pixels, view);
  let last = performance.now();
  let owed = 0;
  app.ticker.add(() => {
    const now = performance.now();
    owed += ((now - last) / 1000) * AGENT_STEPS_PER_SECOND;
    last = now;
    for (; owed >= 1; owed--) {
      const r = env.step(Math.floor(Math.random() * env.actionSpace.n));
      if (r.terminated || r.truncated) env.reset();
    }
    source.update();
  });
}

async function main(): Promise<void> {
  const shell = document.getElementById('shell');
  if (shell && window.arcade) {
    const info = await window.arcade.api.appInfo();
    shell.textContent = `v${info.version}`;
  }
  const gallery = document.getElementById('gallery');
  if (!gallery) throw new Error('missing #gallery');
  for (const id of listEnvs()) await gameTile(id, gallery);
}

void main();
