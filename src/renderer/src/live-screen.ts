/**
 * The Live view's game screen: re-simulates the live chunks the host sends (env state + the policy's
 * actions) with the env code and shows every emulator frame at 60 Hz on a pixi canvas. Chunks are queued; if
 * the queue falls more than two seconds behind (a hidden tab), it skips to the newest chunk.
 */
import 'pixi.js/unsafe-eval';
import { autoDetectRenderer, BufferImageSource, Container, type Renderer, Sprite, Texture } from 'pixi.js';
import { type AtariEnv, renderRgba } from '../../env/atari-env';
import { makeEnv } from '../../env/index';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../../env/screen';
import type { LiveChunk } from '../../shared/api';
import { FRAME_RATE } from './player/playback';

/** Chunks (about 4 a second) held before skipping ahead. */
const MAX_QUEUE = 8;

export interface LiveStep {
  episode: number;
  score: number;
  /** r̂ of the step just shown and its sum over the episode so far (null for true-score runs). */
  predicted: number | null;
  predictedReturn: number | null;
}

export class LiveScreen {
  private readonly stage = new Container();
  private readonly rgba = new Uint8ClampedArray(SCREEN_WIDTH * SCREEN_HEIGHT * 4);
  private readonly source: BufferImageSource;
  private env: AtariEnv | null = null;
  private envKey = '';
  private readonly queue: LiveChunk[] = [];
  private chunk: LiveChunk | null = null;
  private index = 0;
  private frames: Uint8Array[] = [];
  private owed = 0;
  private last = -1;
  private raf = 0;
  private episode = -1;
  private score = 0;
  private predictedReturn = 0;
  /** Called after each agent step shown. */
  onStep: (step: LiveStep) => void = () => {};

  static async create(container: HTMLElement, scale = 2): Promise<LiveScreen> {
    const renderer = await autoDetectRenderer({ width: SCREEN_WIDTH, height: SCREEN_HEIGHT, background: '#000000', antialias: false });
    return new LiveScreen(container, renderer, scale);
  }

  private constructor(
    container: HTMLElement,
    private readonly renderer: Renderer,
    scale: number,
  ) {
    this.source = new BufferImageSource({ resource: this.rgba, width: SCREEN_WIDTH, height: SCREEN_HEIGHT, format: 'rgba8unorm', scaleMode: 'nearest' });
    this.stage.addChild(new Sprite(new Texture({ source: this.source })));
    const canvas = renderer.canvas as HTMLCanvasElement;
    canvas.className = 'live-canvas';
    canvas.style.width = `${SCREEN_WIDTH * scale}px`;
    canvas.style.height = `${SCREEN_HEIGHT * scale}px`;
    container.append(canvas);
    renderer.render(this.stage);
  }

  push(chunk: LiveChunk): void {
    this.queue.push(chunk);
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - 1);
  }

  start(): void {
    if (this.raf !== 0) return;
    this.last = -1;
    const tick = (now: number) => {
      if (this.last >= 0) this.owed = Math.min(this.owed + ((now - this.last) / 1000) * FRAME_RATE, 8);
      this.last = now;
      let shown: Uint8Array | null = null;
      for (; this.owed >= 1; this.owed--) {
        const frame = this.nextFrame();
        if (frame === null) {
          this.owed = 0;
          break;
        }
        shown = frame;
      }
      if (shown !== null) {
        renderRgba(shown, this.rgba);
        this.source.update();
        this.renderer.render(this.stage);
      }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  /** The next emulator frame: from the step under way, or by stepping the next action. */
  private nextFrame(): Uint8Array | null {
    while (this.frames.length === 0) {
      if (!this.stepOnce()) return null;
    }
    return this.frames.shift()!;
  }

  /** Plays one action of the current chunk (starting the next chunk when it is done); false if none is queued. */
  private stepOnce(): boolean {
    if (this.chunk === null || this.index >= this.chunk.actions.length) {
      const next = this.queue.shift();
      if (next === undefined) return false;
      this.begin(next);
    }
    const chunk = this.chunk!;
    const env = this.env!;
    env.advance(chunk.actions[this.index]);
    this.score += chunk.trueRewards[this.index];
    const predicted = chunk.predicted.length > 0 ? chunk.predicted[this.index] : null;
    if (predicted !== null) this.predictedReturn += predicted;
    this.index++;
    this.onStep({ episode: chunk.episode, score: this.score, predicted, predictedReturn: predicted === null ? null : this.predictedReturn });
    return true;
  }

  private begin(chunk: LiveChunk): void {
    const key = `${chunk.env}:${JSON.stringify(chunk.options)}`;
    if (this.env === null || key !== this.envKey) {
      this.env = makeEnv(chunk.env, chunk.options);
      this.envKey = key;
      this.env.onFrame = (pixels) => this.frames.push(pixels.slice());
    }
    this.env.setState(chunk.state);
    if (chunk.episode !== this.episode) {
      this.episode = chunk.episode;
      this.predictedReturn = 0;
    }
    this.score = chunk.score;
    this.chunk = chunk;
    this.index = 0;
  }
}
