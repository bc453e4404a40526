/**
 * Screening out labels the reward model has good reason to think are wrong: the denoising discriminator of
 * RIME (Cheng et al. 2024, "Robust Preference-based Reinforcement Learning with Noisy Preferences"), for
 * teachers who sometimes click the wrong clip (B-Pref's `mistake`, and people).
 *
 * Before the members train on a label, its loss under the ensemble is measured: the cross-entropy between the
 * label and the ensemble's mean P[left preferred] (with the answer noise, as training sees it). RIME shows
 * that if the trusted labels' losses stay below ρ, a flipped label's loss is at least -ln ρ + ρ/2; the
 * screen trusts a label whose loss is below
 *   τ = -ln ρ + α ρ + min(β · var, 3),   α = 0.5,
 * where ρ is a running (exponential, rate 0.1) maximum of the trusted labels' losses, var their running
 * variance, and β falls linearly from 3 to 1 over the first screenings (`betaScreenings`: the pretraining
 * epochs), so that the first rough model drops little. Labels whose loss is above τ are not sampled for
 * training until a later screening trusts them again; they stay on record, held-out labels are never
 * screened, and "equal" answers are always trusted (only a decided answer can be flipped).
 *
 * RIME also flips labels whose loss exceeds -ln 0.001; with answer noise 0.1 no loss exceeds -ln 0.05 ≈ 3.0,
 * so flipping never applies here and is left out.
 */

import type { PreferenceDataset } from './dataset.js';
import type { RewardModel } from './reward-model.js';

/** RIME's settings (its code's defaults). */
export const SCREEN_SETTINGS = { alpha: 0.5, betaStart: 3, betaEnd: 1, uncertaintyCap: 3, rate: 0.1 } as const;

export interface LabelScreenState {
  /** Running maximum of the trusted labels' losses (ρ); 0 before the first screening, which trusts every label. */
  max: number;
  mean: number;
  variance: number;
  count: number;
  screenings: number;
  /** The pair ids of the labels the last screening did not trust. */
  distrusted: string[];
}

export class LabelScreen {
  private state: LabelScreenState = { max: 0, mean: 0, variance: 1, count: 0, screenings: 0, distrusted: [] };
  private distrustedSet: ReadonlySet<string> = new Set();

  /** `betaScreenings`: screenings over which β falls from 3 to 1 (at least 1). */
  constructor(private readonly betaScreenings: number) {
    if (!(Number.isInteger(betaScreenings) && betaScreenings >= 1)) throw new RangeError(`betaScreenings must be a positive integer, got ${betaScreenings}`);
  }

  /** β now: 3 at the first screening, 1 from `betaScreenings` on. */
  get beta(): number {
    const { betaStart, betaEnd } = SCREEN_SETTINGS;
    return Math.max(betaEnd, betaStart - ((betaStart - betaEnd) * this.state.screenings) / this.betaScreenings);
  }

  /** The loss above which a label is not trusted. */
  get threshold(): number {
    const { alpha, uncertaintyCap } = SCREEN_SETTINGS;
    const rho = this.state.max;
    return -Math.log(rho + 1e-8) + alpha * rho + Math.min(this.beta * this.state.variance, uncertaintyCap);
  }

  get distrusted(): ReadonlySet<string> {
    return this.distrustedSet;
  }

  get screenings(): number {
    return this.state.screenings;
  }

  /**
   * Screens labels by their losses (`losses[i]` of `ids[i]`; `exempt[i]` for labels always trusted) and updates
   * the running statistics with the trusted ones. Returns the distrusted pair ids.
   */
  screen(ids: readonly string[], losses: ArrayLike<number>, exempt: ArrayLike<boolean>): ReadonlySet<string> {
    if (ids.length !== losses.length || ids.length !== exempt.length) throw new RangeError('screen needs one loss and one exemption per label');
    const tau = this.threshold;
    const trusted: number[] = [];
    const distrusted: string[] = [];
    ids.forEach((id, i) => {
      if (exempt[i]) return;
      if (losses[i] < tau) trusted.push(losses[i]);
      else distrusted.push(id);
    });
    if (trusted.length > 0) this.update(trusted);
    this.state.screenings++;
    this.state.distrusted = distrusted;
    this.distrustedSet = new Set(distrusted);
    return this.distrustedSet;
  }

  /**
   * Screens `data`'s training labels by their losses under `model` now ("equal" answers and those a person reviewed exempt) and has the
   * dataset stop sampling the distrusted ones until a later screening trusts them.
   */
  screenDataset(model: RewardModel, data: PreferenceDataset): void {
    const labels = data.train;
    data.setDistrusted(
      this.screen(
        labels.map((c) => c.pairId),
        model.labelLosses(labels),
        labels.map((c) => c.target === 0.5 || c.reviewed),
      ),
    );
  }

  /** RIME's running statistics: mean and maximum move at `rate`, the variance pools every batch seen. */
  private update(xs: readonly number[]): void {
    const n = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n;
    const s = this.state;
    const delta = mean - s.mean;
    const total = s.count + n;
    s.variance = (s.variance * s.count + variance * n + (delta * delta * s.count * n) / total) / total;
    s.mean += delta * SCREEN_SETTINGS.rate;
    s.max += (Math.max(...xs) - s.max) * SCREEN_SETTINGS.rate;
    s.count = total;
  }

  getState(): LabelScreenState {
    return { ...this.state, distrusted: [...this.state.distrusted] };
  }

  setState(s: LabelScreenState): void {
    for (const k of ['max', 'mean', 'variance', 'count', 'screenings'] as const) {
      if (!Number.isFinite(s[k])) throw new Error(`label screen state ${k} must be a finite number, got ${JSON.stringify(s[k])}`);
    }
    if (!Array.isArray(s.distrusted) || !s.distrusted.every((id) => typeof id === 'string')) throw new Error('label screen state distrusted must list pair ids');
    this.state = { ...s, distrusted: [...s.distrusted] };
    this.distrustedSet = new Set(s.distrusted);
  }
}
