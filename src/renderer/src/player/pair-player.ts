/**
 * The clip-pair player of the Compare view (Christiano et al. 2017): two clips side by side, re-simulated
 * from their records with the env code at the game's full frame rate, frame-locked on one playhead, looping
 * with a short hold on the end frame. Frames are precomputed when a pair is loaded, so playback is only
 * palette look-ups and texture uploads.
 *
 *   const player = await PairPlayer.create(element);
 *   player.load(left, right); // ClipRecords; throws naming the bad field, keeping the old pair
 *   player.setSpeed(0.5); player.pause(); player.step(1); player.resume(); player.destroy();
 *
 * Both clips are two sprites on one pixi canvas rather than two canvases: one WebGL context instead of two
 * (Chromium keeps at most 16 alive and drops the oldest), and one render puts both clips on screen in the
 * same paint, which is what frame-locked means to the eye. The canvas has the game's own resolution and the
 * browser scales it up with nearest-neighbour sampling (`image-rendering: pixelated`): with software WebGL
 * (SwiftShader, or a GPU on Chromium's blocklist) every canvas pixel costs CPU, and drawing at 2x or 3x
 * halved or quartered the frame rate. Rendering runs on our own requestAnimationFrame loop, only while
 * playing and only when the frame changed (15 renders a second at 0.25x, none while paused), so the player
 * leaves the CPU to the learner.
 */
// Our CSP forbids eval; pixi's shader/uniform code generation then needs this polyfill module.
import 'pixi.js/unsafe-eval';
import { autoDetectRenderer, BufferImageSource, Container, type Renderer, Sprite, Texture } from 'pixi.js';
import { renderRgba } from '../../../env/atari-env';
import type { ClipRecord } from '../../../env/clip';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../../../env/screen';
import { ClipFrames, FRAME_RATE, type PlaybackCounters, Playhead } from './playback';
import './pair-player.css';

/** The speeds offered as buttons; `setSpeed` takes any positive number. */
export const SPEEDS = [0.25, 0.5, 1, 2] as const;

export interface PairPlayerOptions {
  /** Screen pixels per game pixel: a whole number for crisp pixels, or 'fit' (default): the largest that fits the container's width. */
  scale?: number | 'fit';
  /** Upper bound of the 'fit' scale (default 3: 480x630 per clip). */
  maxScale?: number;
  /** Wall-clock seconds the end frame is held before the pair loops (default 0.5). */
  holdSeconds?: number;
  /** Playback speed (default 1). */
  speed?: number;
  /** Titles over the clips; left and right match the keys a person answers with. */
  labels?: readonly [string, string];
}

/** Space between the two clips, in game pixels (scaled with them). */
const GAP = 8;
const CANVAS_WIDTH = 2 * SCREEN_WIDTH + GAP;
/** Seconds between vsyncs of most displays; only used to keep vsyncs away from frame boundaries. */
const DISPLAY_INTERVAL = 1 / 60;

/** One side of the pair: its frames and the texture they are uploaded into. */
interface Side {
  frames: ClipFrames;
  /** Where the next clip is re-simulated before it replaces `frames`, so a failed load leaves the pair alone. */
  spare: ClipFrames;
  /** Index of the frame in the texture, -1 when it must be redrawn. */
  shown: number;
  readonly rgba: Uint8ClampedArray;
  readonly source: BufferImageSource;
  readonly sprite: Sprite;
  readonly label: HTMLElement;
  readonly fill: HTMLElement;
}

const ICONS = {
  restart: '<path d="M8 3a5 5 0 1 1-4.6 3H1.8A6.5 6.5 0 1 0 8 1.5V0L4.5 2.5 8 5z"/>',
  back: '<path d="M3 3h2v10H3zM13 3v10L6 8z"/>',
  play: '<path d="M4 2.5v11L13 8z"/>',
  pause: '<path d="M4 3h3v10H4zM9 3h3v10H9z"/>',
  forward: '<path d="M11 3h2v10h-2zM3 3v10l7-5z"/>',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, parent?: HTMLElement): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  parent?.append(e);
  return e;
}

function iconButton(parent: HTMLElement, icon: keyof typeof ICONS, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'pp-button pp-icon', parent);
  b.type = 'button';
  b.title = title;
  b.setAttribute('aria-label', title);
  b.innerHTML = `<svg viewBox="0 0 16 16" aria-hidden="true">${ICONS[icon]}</svg>`;
  b.addEventListener('click', onClick);
  return b;
}

export class PairPlayer {
  private readonly stage = new Container();
  private readonly root: HTMLElement;
  private readonly sides: [Side, Side];
  private readonly resizeObserver: ResizeObserver;
  private readonly playButton: HTMLButtonElement;
  private readonly speedButtons: HTMLButtonElement[];
  private readonly counter: HTMLElement;
  private readonly controls: HTMLButtonElement[];
  private scale = 0;
  private loaded = false;
  private raf = 0;
  /** Time of the last tick, or -1: the next tick syncs the playhead to the display instead of advancing it. */
  private lastTick = -1;
  private destroyed = false;
  private ticks = 0;
  private tickSeconds = 0;
  private shown = 0;

  /** Builds the player inside `container` (scaled to fit its width by default); call `load` to show a pair. */
  static async create(container: HTMLElement, options: PairPlayerOptions = {}): Promise<PairPlayer> {
    const { scale = 'fit', maxScale = 3, holdSeconds = 0.5, speed = 1 } = options;
    if (scale !== 'fit' && !(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scale must be a positive number or 'fit', got ${scale}`);
    if (!(Number.isInteger(maxScale) && maxScale >= 1)) throw new RangeError(`maxScale must be a positive integer, got ${maxScale}`);
    // Checked before the renderer exists, so bad options leak no WebGL context.
    const playhead = new Playhead({ fps: FRAME_RATE, holdSeconds });
    playhead.setSpeed(speed);
    const renderer = await autoDetectRenderer({
      width: CANVAS_WIDTH,
      height: SCREEN_HEIGHT,
      backgroundAlpha: 0,
      antialias: false,
    });
    return new PairPlayer(container, renderer, playhead, options);
  }

  private constructor(
    private readonly container: HTMLElement,
    private readonly renderer: Renderer,
    private readonly playhead: Playhead,
    private readonly options: PairPlayerOptions,
  ) {
    const { labels = ['A (Left ←)', 'B (Right →)'] } = options;
    const root = (this.root = el('div', 'pair-player'));
    const [leftLabel, rightLabel] = labels.map((text) => {
      const label = el('div', 'pp-label', root);
      label.textContent = text;
      return label;
    });
    const canvas = renderer.canvas as HTMLCanvasElement;
    canvas.classList.add('pp-canvas');
    root.append(canvas);
    this.sides = [this.makeSide(root, 0, leftLabel), this.makeSide(root, 1, rightLabel)];

    const bar = el('div', 'pp-controls', root);
    const transport = el('div', 'pp-group', bar);
    const restart = iconButton(transport, 'restart', 'Restart', () => this.restart());
    const back = iconButton(transport, 'back', 'Previous frame', () => this.step(-1));
    this.playButton = iconButton(transport, 'pause', 'Pause', () => (this.paused ? this.resume() : this.pause()));
    const forward = iconButton(transport, 'forward', 'Next frame', () => this.step(1));
    const speeds = el('div', 'pp-speeds', bar);
    speeds.setAttribute('role', 'group');
    speeds.setAttribute('aria-label', 'Speed');
    this.speedButtons = SPEEDS.map((s) => {
      const b = el('button', 'pp-button pp-speed', speeds);
      b.type = 'button';
      b.textContent = `${s}×`;
      b.title = `Play at ${s}× speed`;
      b.addEventListener('click', () => this.setSpeed(s));
      return b;
    });
    this.counter = el('span', 'pp-counter', bar);
    this.controls = [restart, back, this.playButton, forward, ...this.speedButtons];
    container.append(root);

    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(container);
    this.layout();
    this.refresh();
  }

  private makeSide(root: HTMLElement, index: number, label: HTMLElement): Side {
    const rgba = new Uint8ClampedArray(SCREEN_WIDTH * SCREEN_HEIGHT * 4);
    // Black until a pair is loaded (the buffer starts transparent).
    new Uint32Array(rgba.buffer).fill(0xff000000);
    const source = new BufferImageSource({
      resource: rgba,
      width: SCREEN_WIDTH,
      height: SCREEN_HEIGHT,
      format: 'rgba8unorm',
      scaleMode: 'nearest',
    });
    const sprite = new Sprite(new Texture({ source }));
    sprite.x = index * (SCREEN_WIDTH + GAP);
    this.stage.addChild(sprite);
    const bar = el('div', 'pp-progress', root);
    bar.style.gridColumn = String(index + 1);
    const fill = el('div', 'pp-fill', bar);
    // Click or drag on a clip's bar to seek within that clip.
    const seek = (e: PointerEvent) => {
      const side = this.sides[index];
      if (!this.loaded || !(e.buttons & 1)) return;
      const r = bar.getBoundingClientRect();
      const f = Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1);
      this.seek(f * (side.frames.count - 1));
    };
    bar.addEventListener('pointerdown', (e) => {
      bar.setPointerCapture(e.pointerId);
      seek(e);
    });
    bar.addEventListener('pointermove', seek);
    return { frames: new ClipFrames(), spare: new ClipFrames(), shown: -1, rgba, source, sprite, label, fill };
  }

  /**
   * Shows a new pair from frame 0 and plays it (keeping the speed). Both clips are re-simulated before
   * anything on screen changes, so the old pair stays up until the new one replaces it, and a bad record
   * throws with the old pair still playing.
   */
  load(left: ClipRecord, right: ClipRecord): void {
    this.checkAlive();
    const [a, b] = this.sides;
    a.spare.record(left, 'left clip');
    b.spare.record(right, 'right clip');
    for (const side of this.sides) {
      [side.frames, side.spare] = [side.spare, side.frames];
      side.shown = -1;
    }
    this.loaded = true;
    this.playhead.setLength(Math.max(a.frames.count, b.frames.count));
    this.playhead.paused = false;
    this.lastTick = -1;
    this.refresh();
    this.loop();
  }

  /** The playhead: both clips show this frame (the shorter one its last frame once past its end). */
  get frame(): number {
    return this.playhead.frame;
  }

  /** Frames in the longer clip of the pair. */
  get length(): number {
    return this.playhead.length;
  }

  /** Frames of the left and the right clip. */
  get lengths(): [number, number] {
    return [this.sides[0].frames.count, this.sides[1].frames.count];
  }

  /** Completed plays of the pair since it was loaded. */
  get loops(): number {
    return this.playhead.loops;
  }

  /** See PlaybackCounters. */
  get counters(): PlaybackCounters {
    const { heldSeconds, advanced, frozenSeconds } = this.playhead;
    return { ticks: this.ticks, seconds: this.tickSeconds, heldSeconds, advanced, shown: this.shown, frozenSeconds };
  }

  get paused(): boolean {
    return this.playhead.paused;
  }

  get speed(): number {
    return this.playhead.speed;
  }

  setSpeed(speed: number): void {
    this.playhead.setSpeed(speed);
    this.lastTick = -1;
    this.refresh();
  }

  pause(): void {
    this.playhead.paused = true;
    this.refresh();
  }

  resume(): void {
    this.playhead.paused = false;
    this.lastTick = -1;
    this.refresh();
    this.loop();
  }

  /** Moves `delta` frames (e.g. 1 or -1), pausing playback first. */
  step(delta: number): void {
    this.playhead.step(delta);
    this.refresh();
  }

  /** Jumps to a frame of the pair, clamped to it. */
  seek(frame: number): void {
    this.playhead.seek(frame);
    this.lastTick = -1;
    this.refresh();
  }

  /** Back to frame 0; keeps playing or stays paused. */
  restart(): void {
    this.seek(0);
  }

  /** Stops playback and removes the player from the page, releasing its WebGL context and textures. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.stage.destroy({ children: true, texture: true, textureSource: true });
    this.renderer.destroy({ removeView: true });
    this.root.remove();
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('this PairPlayer was destroyed; create a new one');
  }

  /** Runs the requestAnimationFrame loop while a pair is loaded and playing. */
  private loop(): void {
    if (this.raf !== 0 || this.destroyed || !this.loaded || this.paused) return;
    const tick = (now: number) => {
      if (this.destroyed || this.paused) {
        this.raf = 0;
        return;
      }
      if (this.lastTick < 0) this.playhead.sync(DISPLAY_INTERVAL);
      else {
        this.ticks++;
        this.tickSeconds += (now - this.lastTick) / 1000;
        if (this.playhead.advance((now - this.lastTick) / 1000)) {
          this.draw();
          this.shown++;
        }
      }
      this.lastTick = now;
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Sizes the canvas and the columns for the current scale ('fit': from the container's width). */
  private layout(): void {
    if (this.destroyed) return;
    const { scale = 'fit', maxScale = 3 } = this.options;
    const fit = Math.floor(this.container.clientWidth / CANVAS_WIDTH);
    const s = scale === 'fit' ? Math.min(Math.max(fit, 1), maxScale) : scale;
    if (s === this.scale) return;
    this.scale = s;
    this.root.style.setProperty('--pp-clip-width', `${SCREEN_WIDTH * s}px`);
    this.root.style.setProperty('--pp-gap', `${GAP * s}px`);
    const canvas = this.renderer.canvas as HTMLCanvasElement;
    canvas.style.width = `${CANVAS_WIDTH * s}px`;
    canvas.style.height = `${SCREEN_HEIGHT * s}px`;
  }

  /** Puts the playhead's frame on screen with the progress bars and the counter (every frame while playing). */
  private draw(): void {
    const frame = this.playhead.frame;
    for (const side of this.sides) {
      const n = side.frames.count;
      if (n === 0) continue;
      const k = Math.min(frame, n - 1);
      if (k !== side.shown) {
        renderRgba(side.frames.frame(k), side.rgba);
        side.source.update();
        side.shown = k;
      }
      side.fill.style.transform = `scaleX(${n > 1 ? k / (n - 1) : 1})`;
      // Says why a clip stands still: it has ended (the shorter one while the longer plays on, or the hold).
      side.label.classList.toggle('pp-ended', k === n - 1);
    }
    this.renderer.render(this.stage);
    this.counter.textContent = this.loaded ? `frame ${frame + 1} / ${this.playhead.length}` : 'no pair loaded';
  }

  /** `draw`, and the controls' state (after a method call, not every frame). */
  private refresh(): void {
    this.checkAlive();
    this.draw();
    const paused = this.playhead.paused;
    this.playButton.innerHTML = `<svg viewBox="0 0 16 16" aria-hidden="true">${paused ? ICONS.play : ICONS.pause}</svg>`;
    this.playButton.title = paused ? 'Play' : 'Pause';
    this.playButton.setAttribute('aria-label', this.playButton.title);
    this.speedButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(SPEEDS[i] === this.playhead.speed)));
    for (const b of this.controls) b.disabled = !this.loaded;
  }
}
