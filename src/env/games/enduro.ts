/**
 * Enduro (Atari 2600 rules, simplified): an endurance race on a road seen in perspective. FIRE accelerates,
 * DOWN brakes, RIGHT/LEFT steer; with neither FIRE nor DOWN the car slowly coasts down. The other cars drive
 * at one fixed speed in three lanes (drifting a little within theirs): going faster than them you catch up
 * and pass them (+1 each), going slower they come up from behind and pass you back (-1 each). Hitting a car
 * knocks you back behind it with almost no speed, and for a moment FIRE does nothing, so the cars you just
 * passed overtake you again. There are no lives.
 *
 * Days: each day lasts DAY_FRAMES (2 minutes of game time, 1800 agent steps at frame skip 4) with a quota of
 * cars to pass, shown as the count of cars remaining at the bottom. As in the original, that count never
 * rises above the quota: a car that passes you when you have passed none today costs nothing (so a car
 * parked at the start scores 0, like random play in ALE). A day that ends with the quota met is followed by
 * the next (quota QUOTA_LATER); a day that ends without it ends the game. Each day runs from daylight through
 * dusk into night (only tail lights are visible) and dawn; this changes only the picture, not the RAM.
 *
 * The road curves now and then; a curve pushes the car towards its outside edge in proportion to the speed.
 */
import { type Game, type GameSpec, clampUnit } from '../game.js';
import type { Rng } from '../rng.js';
import { C, type Screen } from '../screen.js';
import { describe, isRecord, restoreSnapshot, takeSnapshot } from '../snapshot.js';

// World units: depth z along the road in car lengths, relative to the player's car (positive = ahead);
// lateral x in road half-widths (-1 = left edge, 1 = right edge). Speeds are per frame.

// Rules. At top speed the player closes on traffic at 1.2 car lengths per frame and a car enters the view on
// average every 40 car lengths, so an agent that never crashes passes up to ~215 cars a day. Day 1's quota of
// 80 leaves room for crashes (each costs ~2 s back to speed, and the cars that re-pass you meanwhile); random
// play, which brakes as often as it accelerates, is faster than the traffic only ~5% of the time, and the
// cars it passes then pass it back: it nets about 0 (as in ALE), far from the quota.
const DAY_FRAMES = 7200; // 2 minutes at 60 Hz = 1800 agent steps: short episodes for a failing agent
const QUOTA_FIRST = 80; // cars to pass on day 1 (200 in the original's ~3.5 minute day)
const QUOTA_LATER = 100; // on every later day (300 in the original)

// Driving.
const V_MAX = 2; // car lengths per frame
const TRAFFIC_SPEED = 0.8; // every other car: 40% of top speed, so passing needs a good share of FIRE
const ACCEL = 0.02; // FIRE: 0 -> top speed in 100 frames (~1.7 s)
const BRAKE = 0.02; // DOWN: as strong as FIRE, so random play hovers below the traffic speed, sometimes above
const COAST = 0.002; // neither: top speed -> 0 in ~17 s
const STEER = 0.025; // road half-widths per frame: one lane (2/3) in ~27 frames, ~7 agent steps
const CURVE_PUSH = 0.008; // sideways drift at full curve and top speed, a third of the steering
const CRASH_SPEED = 0.1; // speed right after a collision
const CRASH_FRAMES = 30; // FIRE has no effect for this long after a collision (1/2 s)

// Traffic.
const SLOTS = 8; // car pool; at least GAP_MIN apart, at most (Z_FAR + Z_BEHIND) / GAP_MIN = 7.5 fit in view
const Z_FAR = 120; // cars appear (or vanish) here ahead, at the horizon
const Z_BEHIND = 30; // cars coming from behind appear here; passed cars are dropped here
const CAR_LEN = 1; // cars overlap in depth while |z| < CAR_LEN
const CAR_W = 0.36; // car width in road half-widths; cars collide while |dx| < CAR_W
const LANE_X = [-2 / 3, 0, 2 / 3];
const DRIFT = 0.08; // cars wander up to this far from their lane centre
const DRIFT_SPEED = 0.002; // ... at this lateral speed
const GAP_MIN = 20; // world distance between consecutive cars, uniform in [GAP_MIN, GAP_MAX]
const GAP_MAX = 60;
const TRAFFIC_COLORS = [C.carRed, C.carBlue, C.carYellow];

// Road curves: a new target curvature in {-1, -0.5, 0, 0.5, 1} every CURVE_SEG_MIN..MAX car lengths driven,
// approached at CURVE_RATE per car length, so a full bend builds up over ~2 s at top speed.
const CURVE_SEG_MIN = 400;
const CURVE_SEG_MAX = 1200;
const CURVE_RATE = 0.004;

// Screen: sky and mountains above HORIZON, the road below it down to ROAD_BOTTOM, the counter panel below.
const HORIZON = 56;
const ROAD_BOTTOM = 180;
const PLAYER_ROW = 172; // bottom row of the player's car
const T_PLAYER = PLAYER_ROW - HORIZON; // rows below the horizon of depth 0
const T_FAR = 8; // rows below the horizon of depth Z_FAR
// Perspective: a point at depth z lies FOCAL / (z + CAM_D) rows below the horizon.
const CAM_D = Z_FAR / (T_PLAYER / T_FAR - 1);
const FOCAL = T_PLAYER * CAM_D;
const ROAD_BAND = 2; // scanlines per band of the road drawing (124 rows = 62 bands)
const HALF_PER_ROW = 56 / T_PLAYER; // road half-width in px per row below the horizon (56 px at the car)
const CURVE_PX = 55; // how far the road bends at the horizon at full curvature
const DASH = 8; // lane markings: dashes of DASH / 2 car lengths every DASH
const DASH_DEPTH = 60; // no markings beyond this depth (they would alias into noise)
const MOUNTAINS = [
  [20, 10, 22],
  [62, 6, 14],
  [100, 12, 26],
  [138, 7, 16],
]; // [centre x, height, half base] of the horizon scenery, which scrolls with the bends
const MOUNTAIN_ROWS = Math.max(...MOUNTAINS.map(([, h]) => h)); // rows above the horizon they reach
const SCENERY_RATE = 0.25; // px of scroll per car length driven at full curvature

const THROTTLE = [0, 1, 0, 0, -1, -1, -1, 1, 1]; // per action: 1 = FIRE, -1 = DOWN
const STEERING = [0, 0, 1, -1, 0, 1, -1, 1, -1]; // per action: 1 = RIGHT, -1 = LEFT

const BASE_RAM = [
  { name: 'player.x', doc: 'player car centre on the road; -1 = left edge, 1 = right edge (stays within ±0.82)' },
  { name: 'player.speed', doc: `player speed / top speed; the other cars drive at ${TRAFFIC_SPEED / V_MAX}` },
  { name: 'player.closing', doc: '(player speed - traffic speed) / top speed: > 0 catches up with cars, < 0 is caught up' },
  { name: 'player.crash', doc: `frames left of the post-collision stall (FIRE does nothing) / ${CRASH_FRAMES}` },
  { name: 'road.curve', doc: 'road curvature, -1 = full left bend, 1 = full right bend; it pushes the car outwards' },
  { name: 'day.timeLeft', doc: `frames left in the day / ${DAY_FRAMES} (1 at dawn, 0 when the day ends)` },
  { name: 'day.quotaLeft', doc: 'cars still to pass today / the quota (0 or less once it is met)', leaksScore: true },
  { name: 'day.number', doc: '(day - 1) / 10, clamped to 1', leaksScore: true },
];
const LANE_NAMES = ['left', 'centre', 'right'];
const LANE_RAM = LANE_NAMES.flatMap((l) => [
  { name: `lane.${l}.ahead`, doc: `depth of the nearest car in the ${l} lane that is not behind the player / ${Z_FAR}; 1 = none` },
  { name: `lane.${l}.behind`, doc: `distance back to the nearest car behind the player in the ${l} lane / ${Z_BEHIND}; 1 = none` },
]);
const CAR_RAM = Array.from({ length: SLOTS }, (_, i) => [
  { name: `car.${i}.active`, doc: `1 if there is an ${i + 1}th nearest car (by |depth|), else 0 (and the rest 0)` },
  { name: `car.${i}.dx`, doc: `(its x - player x) / 2; it overlaps the player sideways while |dx| < ${CAR_W / 2}` },
  { name: `car.${i}.z`, doc: `its depth / ${Z_FAR}; > 0 ahead, < 0 behind; it overlaps the player in depth while |z| < ${CAR_LEN}/${Z_FAR}` },
  { name: `car.${i}.vx`, doc: 'its sideways drift: 1 = right, -1 = left' },
]).flat();

const SPEC: GameSpec = {
  id: 'Enduro',
  actions: ['NOOP', 'FIRE', 'RIGHT', 'LEFT', 'DOWN', 'DOWNRIGHT', 'DOWNLEFT', 'RIGHTFIRE', 'LEFTFIRE'],
  ram: [...BASE_RAM, ...LANE_RAM, ...CAR_RAM],
  scoreRows: [ROAD_BOTTOM, 210],
  summary:
    `Race through the day: pass cars (+1; being passed back -1) and meet the daily quota (${QUOTA_FIRST}, then ${QUOTA_LATER}) or the race ends. FIRE accelerates, DOWN brakes.`,
};

const KEYS = [
  'px', 'speed', 'crash', 'curve', 'curveTarget', 'curveLeft', 'dashPhase', 'scenery', 'spawnGap',
  'dayFrame', 'day', 'dayPassed', 'points', 'ended',
  'carActive', 'carZ', 'carX', 'carVx', 'carLane', 'carColor',
] as const;

export class Enduro implements Game {
  readonly spec = SPEC;
  /** Player car centre, road half-widths. */
  private px = 0;
  /** Player speed, car lengths per frame. */
  private speed = 0;
  /** Frames left of the post-collision stall. */
  private crash = 0;
  private curve = 0;
  private curveTarget = 0;
  /** Car lengths to drive until the next change of curveTarget. */
  private curveLeft = 0;
  /** Distance driven modulo DASH, for the lane markings. */
  private dashPhase = 0;
  /** Horizontal scroll of the scenery, px modulo 160. */
  private scenery = 0;
  /** Relative distance to cover before the next car enters the view. */
  private spawnGap = 0;
  private dayFrame = 0;
  private day = 1;
  /** Net cars passed today (never below 0, as the original's counter never rises above the quota). */
  private dayPassed = 0;
  /** Net cars passed over the whole game: the score. */
  private points = 0;
  private ended = false;
  // The car pool, one entry per slot.
  private readonly carActive = new Uint8Array(SLOTS);
  private readonly carZ = new Float64Array(SLOTS);
  private readonly carX = new Float64Array(SLOTS);
  private readonly carVx = new Float64Array(SLOTS);
  private readonly carLane = new Uint8Array(SLOTS);
  private readonly carColor = new Uint8Array(SLOTS);
  // Scratch for writeRam and draw (not state).
  private readonly order = new Int32Array(SLOTS);
  private readonly sortKey = new Float64Array(SLOTS);
  private readonly laneAhead = new Float64Array(3);
  private readonly laneBehind = new Float64Array(3);
  private readonly bandX = new Float64Array(2 * MOUNTAINS.length);
  private readonly bandW = new Float64Array(2 * MOUNTAINS.length);
  private readonly bandColor = new Int32Array(2 * MOUNTAINS.length);

  /** Sets the n-th rectangle [x, x + w) of the next `Screen.band` in `color`; returns n + 1. */
  private bandRect(n: number, x: number, w: number, color: number): number {
    this.bandX[n] = x;
    this.bandW[n] = w;
    this.bandColor[n] = color;
    return n + 1;
  }

  get score(): number {
    return this.points;
  }
  get lives(): number {
    return 0;
  }
  get over(): boolean {
    return this.ended;
  }

  constructor(private readonly rng: Rng) {}

  reset(): void {
    this.px = 0;
    this.speed = 0;
    this.crash = 0;
    this.curve = 0;
    this.curveTarget = 0;
    this.curveLeft = this.rng.range(CURVE_SEG_MIN, CURVE_SEG_MAX);
    this.dashPhase = 0;
    this.scenery = 0;
    this.spawnGap = this.rng.range(0, GAP_MAX - GAP_MIN);
    this.dayFrame = 0;
    this.day = 1;
    this.dayPassed = 0;
    this.points = 0;
    this.ended = false;
    this.carActive.fill(0);
    this.carZ.fill(0);
    this.carX.fill(0);
    this.carVx.fill(0);
    this.carLane.fill(0);
    this.carColor.fill(0);
  }

  private quota(): number {
    return this.day === 1 ? QUOTA_FIRST : QUOTA_LATER;
  }

  tick(action: number): number {
    if (this.ended) return 0;

    // Throttle and brake; a collision stalls the throttle for a while.
    const throttle = THROTTLE[action];
    let v = this.speed;
    if (throttle < 0) v -= BRAKE;
    else if (throttle > 0 && this.crash === 0) v += ACCEL;
    else v -= COAST;
    v = v < 0 ? 0 : v > V_MAX ? V_MAX : v;
    this.speed = v;
    if (this.crash > 0) this.crash--;

    // Steering, against the outward push of a bend.
    let x = this.px + STEERING[action] * STEER - this.curve * CURVE_PUSH * (v / V_MAX);
    const xMax = 1 - CAR_W / 2;
    x = x < -xMax ? -xMax : x > xMax ? xMax : x;
    this.px = x;

    // The road ahead: bends come and go with the distance driven.
    this.curveLeft -= v;
    if (this.curveLeft <= 0) {
      this.curveTarget = (this.rng.int(5) - 2) / 2;
      this.curveLeft += this.rng.range(CURVE_SEG_MIN, CURVE_SEG_MAX);
    }
    const dc = this.curveTarget - this.curve;
    const step = CURVE_RATE * v;
    this.curve += dc > step ? step : dc < -step ? -step : dc;
    // Wrapped by subtraction, not %, which is slow on doubles (each moves by less than a period per frame).
    let dash = this.dashPhase + v;
    if (dash >= DASH) dash -= DASH;
    this.dashPhase = dash;
    let scenery = this.scenery - this.curve * v * SCENERY_RATE;
    if (scenery < 0) scenery += 160;
    else if (scenery >= 160) scenery -= 160;
    this.scenery = scenery;

    // Traffic: every car moves by the relative speed; crossing depth 0 is a pass.
    const rel = TRAFFIC_SPEED - v;
    let reward = 0;
    const active = this.carActive;
    const zs = this.carZ;
    const xs = this.carX;
    const vxs = this.carVx;
    for (let i = 0; i < SLOTS; i++) {
      if (active[i] === 0) continue;
      const prev = zs[i];
      let z = prev + rel;
      if (z > Z_FAR || z < -Z_BEHIND) {
        active[i] = 0;
        continue;
      }
      let cx = xs[i] + vxs[i];
      const off = cx - LANE_X[this.carLane[i]];
      if (off > DRIFT || off < -DRIFT) {
        vxs[i] = -vxs[i];
        cx = xs[i] + vxs[i];
      }
      xs[i] = cx;
      const dx = cx - x;
      if (z < CAR_LEN && z > -CAR_LEN && dx < CAR_W && dx > -CAR_W) {
        // Collision: the player is knocked back behind the car with almost no speed.
        z = CAR_LEN;
        this.speed = CRASH_SPEED;
        this.crash = CRASH_FRAMES;
      }
      zs[i] = z;
      if (prev > 0 && z <= 0) {
        this.dayPassed++;
        this.points++;
        reward++;
      } else if (prev <= 0 && z > 0 && this.dayPassed > 0) {
        this.dayPassed--;
        this.points--;
        reward--;
      }
    }

    // New cars enter the view at a fixed density along the road: ahead when catching up, behind otherwise.
    if (rel !== 0) {
      this.spawnGap -= rel < 0 ? -rel : rel;
      if (this.spawnGap <= 0) {
        this.spawnGap += this.rng.range(GAP_MIN, GAP_MAX);
        this.spawn(rel < 0 ? Z_FAR : -Z_BEHIND);
      }
    }

    // The day ends: on to the next day with the quota met, else the race is over.
    if (++this.dayFrame >= DAY_FRAMES) {
      if (this.dayPassed >= this.quota()) {
        this.day++;
        this.dayPassed = 0;
        this.dayFrame = 0;
      } else {
        this.ended = true;
      }
    }
    return reward;
  }

  /** Puts a new car at depth z in a random lane that has room there (if any slot and lane are free). */
  private spawn(z: number): void {
    let slot = -1;
    for (let i = 0; i < SLOTS; i++) {
      if (this.carActive[i] === 0) {
        slot = i;
        break;
      }
    }
    const first = this.rng.int(3);
    const color = this.rng.int(TRAFFIC_COLORS.length);
    const offset = this.rng.range(-DRIFT, DRIFT);
    const dir = this.rng.next() < 0.5 ? -1 : 1;
    if (slot < 0) return;
    for (let k = 0; k < 3; k++) {
      const lane = (first + k) % 3;
      let free = true;
      for (let i = 0; i < SLOTS; i++) {
        if (this.carActive[i] !== 0 && this.carLane[i] === lane && Math.abs(this.carZ[i] - z) < 4 * CAR_LEN) free = false;
      }
      if (!free) continue;
      this.carActive[slot] = 1;
      this.carZ[slot] = z;
      this.carLane[slot] = lane;
      this.carX[slot] = LANE_X[lane] + offset;
      this.carVx[slot] = dir * DRIFT_SPEED;
      this.carColor[slot] = color;
      return;
    }
  }

  /**
   * Fills `order` with the active slots sorted by ascending key (|depth| for the RAM, -depth for drawing far
   * to near); returns how many there are.
   */
  private sortSlots(byAbs: boolean): number {
    const order = this.order;
    const keys = this.sortKey;
    const zs = this.carZ;
    const active = this.carActive;
    let n = 0;
    for (let i = 0; i < SLOTS; i++) {
      if (active[i] === 0) continue;
      const z = zs[i];
      const k = byAbs ? (z < 0 ? -z : z) : -z;
      let j = n++;
      while (j > 0 && keys[j - 1] > k) {
        order[j] = order[j - 1];
        keys[j] = keys[j - 1];
        j--;
      }
      order[j] = i;
      keys[j] = k;
    }
    return n;
  }

  writeRam(out: Float32Array, o: number): void {
    // Imported bindings are read once: some module loaders turn each read into a getter call.
    const clamp = clampUnit;
    const quota = this.quota();
    const px = this.px;
    out[o] = px;
    out[o + 1] = this.speed / V_MAX;
    out[o + 2] = (this.speed - TRAFFIC_SPEED) / V_MAX;
    out[o + 3] = this.crash / CRASH_FRAMES;
    out[o + 4] = this.curve;
    out[o + 5] = 1 - this.dayFrame / DAY_FRAMES;
    out[o + 6] = clamp((quota - this.dayPassed) / quota);
    out[o + 7] = clamp((this.day - 1) / 10);
    o += BASE_RAM.length;
    // Nearest car ahead of (or beside) and behind the player in each lane.
    const zs = this.carZ;
    const lanes = this.carLane;
    const active = this.carActive;
    const ahead = this.laneAhead;
    const behind = this.laneBehind;
    for (let lane = 0; lane < 3; lane++) {
      ahead[lane] = Z_FAR;
      behind[lane] = Z_BEHIND;
    }
    for (let i = 0; i < SLOTS; i++) {
      if (active[i] === 0) continue;
      const z = zs[i];
      const lane = lanes[i];
      if (z > -CAR_LEN) {
        if (z < ahead[lane]) ahead[lane] = z;
      } else if (-z < behind[lane]) behind[lane] = -z;
    }
    for (let lane = 0; lane < 3; lane++) {
      out[o + 2 * lane] = clamp(ahead[lane] / Z_FAR);
      out[o + 2 * lane + 1] = behind[lane] / Z_BEHIND;
    }
    o += LANE_RAM.length;
    const n = this.sortSlots(true);
    const order = this.order;
    for (let k = 0; k < SLOTS; k++, o += 4) {
      if (k >= n) {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        out[o + 3] = 0;
        continue;
      }
      const i = order[k];
      out[o] = 1;
      out[o + 1] = clamp((this.carX[i] - px) / 2);
      out[o + 2] = clamp(zs[i] / Z_FAR);
      out[o + 3] = this.carVx[i] > 0 ? 1 : -1;
    }
  }

  /** Road centre x at `t` rows below the horizon. */
  private roadCentre(t: number): number {
    const f = 1 - t / (ROAD_BOTTOM - HORIZON);
    return 80 + this.curve * CURVE_PX * f * f;
  }

  draw(s: Screen): void {
    // Time of day: daylight, dusk, night (tail lights only), dawn.
    const phase = this.dayFrame / DAY_FRAMES;
    const night = phase >= 0.6 && phase < 0.9;
    const sky = phase < 0.5 ? C.sky : phase < 0.6 ? C.orange : night ? C.nightSky : C.blue;
    const grass = phase < 0.5 ? C.grass : phase < 0.6 ? C.green : night ? C.nightGrass : C.green;
    const hills = night ? C.black : C.darkGrey;
    const road = night ? C.black : C.road;
    const line = night ? C.grey : C.white;
    // The scenery is drawn a band of rows at a time (`Screen.band` leaves alone the rows that already show
    // it, about three in four from one step to the next), then the cars over it, then the panel.
    const bx = this.bandX;
    const bw = this.bandW;
    const bc = this.bandColor;

    // The sky, and the mountains on the horizon scrolling with the bends (row by row, each row's mountains in
    // turn).
    s.band(0, HORIZON - MOUNTAIN_ROWS, sky, 0, bx, bw, bc);
    for (let y = HORIZON - MOUNTAIN_ROWS; y < HORIZON; y++) {
      const r = HORIZON - 1 - y;
      let n = 0;
      for (let k = 0; k < MOUNTAINS.length; k++) {
        const [mx, h, w] = MOUNTAINS[k];
        if (r >= h) continue;
        const half = (w * (h - r)) / h;
        const left = mx + this.scenery - half;
        n = this.bandRect(n, left, 2 * half, hills);
        n = this.bandRect(n, left - 160, 2 * half, hills);
      }
      s.band(y, 1, sky, n, bx, bw, bc);
    }

    // The road in bands of two scanlines (grass and at most five rects), sampled at the band's lower row.
    for (let y = HORIZON; y < ROAD_BOTTOM; y += ROAD_BAND) {
      const t = y - HORIZON + ROAD_BAND;
      const half = HALF_PER_ROW * t;
      const cx = this.roadCentre(t);
      const z = FOCAL / t - CAM_D;
      const edge = half < 20 ? 1 : 2;
      // (z + dashPhase) % DASH, to the bit (the subtraction is exact), without the slow % on doubles.
      const zd = z + this.dashPhase;
      const on = zd - DASH * Math.trunc(zd / DASH) < DASH / 2;
      let n = this.bandRect(0, cx - half, 2 * half, road);
      if (!night || on) {
        n = this.bandRect(n, cx - half, edge, line);
        n = this.bandRect(n, cx + half - edge, edge, line);
      }
      if (!night && on && z < DASH_DEPTH) {
        n = this.bandRect(n, cx - half / 3 - edge / 2, edge, line);
        n = this.bandRect(n, cx + half / 3 - edge / 2, edge, line);
      }
      s.band(y, ROAD_BAND, grass, n, bx, bw, bc);
    }

    // Cars far to near, the player's car in its place among them.
    const n = this.sortSlots(false);
    let playerDrawn = false;
    for (let k = 0; k < n; k++) {
      const i = this.order[k];
      const z = this.carZ[i];
      if (!playerDrawn && z < 0) {
        this.drawPlayer(s);
        playerDrawn = true;
      }
      const d = z + CAM_D;
      if (d <= 0.5) continue;
      const t = FOCAL / d;
      const half = HALF_PER_ROW * t;
      const cx = this.roadCentre(t) + this.carX[i] * half;
      drawCar(s, cx, HORIZON + t, CAR_W * half, TRAFFIC_COLORS[this.carColor[i]], night);
    }
    if (!playerDrawn) this.drawPlayer(s);

    // The panel: day number (left) and cars still to pass today, or flags once the quota is met (right).
    s.band(ROAD_BOTTOM, 6, C.black, 0, bx, bw, bc);
    s.band(ROAD_BOTTOM + 6, 18, C.black, this.bandRect(0, 8, 144, C.darkGrey), bx, bw, bc);
    s.band(ROAD_BOTTOM + 24, 210 - ROAD_BOTTOM - 24, C.black, 0, bx, bw, bc);
    s.number(this.day, 36, ROAD_BOTTOM + 10, C.carYellow, 2);
    const left = this.quota() - this.dayPassed;
    if (left > 0) s.number(left, 140, ROAD_BOTTOM + 10, C.white, 2);
    else {
      for (let f = 0; f < 3; f++) {
        s.rect(108 + f * 12, ROAD_BOTTOM + 9, 1, 12, C.white);
        s.rect(109 + f * 12, ROAD_BOTTOM + 9, 7, 5, C.green);
      }
    }
  }

  private drawPlayer(s: Screen): void {
    // The car flickers while it is stalled after a collision.
    if (this.crash > 0 && (this.crash & 4) !== 0) return;
    const half = HALF_PER_ROW * T_PLAYER;
    drawCar(s, this.roadCentre(T_PLAYER) + this.px * half, PLAYER_ROW, CAR_W * half, C.carPlayer, false);
  }

  getState() {
    return takeSnapshot(this, KEYS);
  }

  setState(state: unknown): void {
    // Beyond what restoreSnapshot checks: slot fields that index tables must be small integers.
    if (isRecord(state)) {
      for (const [k, n] of [['carActive', 2], ['carLane', 3], ['carColor', TRAFFIC_COLORS.length]] as const) {
        const v = state[k];
        if (Array.isArray(v) && !v.every((x) => Number.isInteger(x) && x >= 0 && x < n)) {
          throw new TypeError(`Enduro state.${k} must hold integers in [0, ${n}), got ${describe(v)}`);
        }
      }
      if (!(Number.isInteger(state.day) && (state.day as number) >= 1)) {
        throw new TypeError(`Enduro state.day must be an integer >= 1, got ${describe(state.day)}`);
      }
    }
    restoreSnapshot(this, KEYS, state, 'Enduro state');
  }
}

/**
 * A race car seen from behind, centred at x with its bottom on row `bottom`, `w` px wide: body, wide rear
 * wheels, narrower front wheels and a rear wing. At night only its tail lights show.
 */
function drawCar(s: Screen, x: number, bottom: number, w: number, color: number, night: boolean): void {
  if (w < 2) w = 2;
  const h = Math.max(2, w * 0.6);
  const left = x - w / 2;
  const top = bottom - h;
  if (night) {
    const lw = Math.max(1, w * 0.2);
    const lh = Math.max(1, h * 0.2);
    s.rect(left, bottom - 2 * lh, lw, lh, C.carRed);
    s.rect(left + w - lw, bottom - 2 * lh, lw, lh, C.carRed);
    return;
  }
  if (w < 5) {
    // Far away: a coloured blob on black wheels (the dark row also shows red cars in grayscale, whose luma
    // is the road's).
    s.rect(left, top, w, h, color);
    s.rect(left, bottom - Math.max(1, h * 0.4), w, Math.max(1, h * 0.4), C.black);
    return;
  }
  const wheel = w * 0.22;
  s.rect(left + wheel * 0.7, top + h * 0.15, w - 1.4 * wheel, h * 0.85, color); // body
  s.rect(left, bottom - h * 0.5, wheel, h * 0.5, C.black); // rear wheels
  s.rect(left + w - wheel, bottom - h * 0.5, wheel, h * 0.5, C.black);
  s.rect(left + w * 0.08, top + h * 0.1, wheel * 0.8, h * 0.3, C.black); // front wheels
  s.rect(left + w * 0.92 - wheel * 0.8, top + h * 0.1, wheel * 0.8, h * 0.3, C.black);
  s.rect(left + w * 0.1, top, w * 0.8, Math.max(1, h * 0.15), color); // rear wing
  s.rect(left + w * 0.4, top + h * 0.3, w * 0.2, h * 0.3, C.darkGrey); // driver
}
