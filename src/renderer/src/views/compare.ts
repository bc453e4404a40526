/**
 * Compare: the pair of clips the session asks about, frame-locked in the pair player, answered from the
 * keyboard (Left / Right: that clip is better, Down: equal, Space: can't tell, Z: undo) or the buttons. The
 * pair after this one is fetched while this one plays, so an answer shows the next pair at once; the answer
 * itself is stored (fsynced) by the session and confirmed in the background.
 */
import type { AnswerValue, Bridge, PairView, Progress, RunPhase, RunStatus } from '../../../shared/api';
import { button, el, fmt, toast } from '../dom';
import { PairPlayer } from '../player/pair-player';
import type { PlaybackCounters } from '../player/playback';
import type { HistoryFilter, View } from './view';

const ANSWER_KEYS: Record<string, AnswerValue> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowDown: 'equal', ' ': 'cant-tell' };

/** Key press to next pair on screen, ms, for the benchmark (read by bench/app.ts through the page). */
export const answerLatencies: number[] = [];

/** Phases in which a run asks for no more pairs, as the empty stage says them. */
const ENDED: Partial<Record<RunPhase, string>> = { finished: 'finished training', stopped: 'stopped', failed: 'failed' };

export class CompareView implements View {
  readonly id = 'compare';
  readonly title = 'Compare';
  readonly root = el('section', 'view view-compare');
  private player: PairPlayer | null = null;
  private current: PairView | null = null;
  private next: PairView | null = null;
  private fetching = false;
  private readonly empty: HTMLElement;
  private readonly stats: Record<string, HTMLElement> = {};
  /** The "Screened out" row (its term and value), shown only for runs with the label screen. */
  private screenedRow: HTMLElement[] = [];
  private readonly uncertainty: HTMLElement;
  /** Per labeler: the reward model's agreement with their held-out answers. */
  private readonly labelers: HTMLElement;
  private readonly phase: HTMLElement;
  private readonly buttons: HTMLButtonElement[] = [];
  private status: RunStatus | null = null;

  /**
   * `review`: opens History on the answers the label screen leaves out (the "Screened out" row's button), or on
   * one labeler's (their name under Labelers).
   */
  constructor(
    private readonly bridge: Bridge,
    private readonly review: (filter: HistoryFilter) => void = () => {},
  ) {
    const main = el('div', 'compare-main', this.root);
    const stage = el('div', 'compare-stage', main);
    this.empty = el('div', 'empty', stage, 'Open or create a run in Runs to start comparing clips.');
    const playerBox = el('div', 'player-box', stage);
    void PairPlayer.create(playerBox, { maxScale: 2, labels: ['Left clip', 'Right clip'] }).then((p) => {
      this.player = p;
      if (this.current !== null) p.load(this.current.left, this.current.right);
    });
    const answers = el('div', 'answers', main);
    this.buttons.push(
      button(answers, 'Left is better', () => void this.answer('left'), 'btn btn-answer', '←'),
      button(answers, 'Equally good', () => void this.answer('equal'), 'btn btn-answer', '↓'),
      button(answers, "Can't tell", () => void this.answer('cant-tell'), 'btn btn-answer', 'Space'),
      button(answers, 'Right is better', () => void this.answer('right'), 'btn btn-answer', '→'),
    );
    button(answers, 'Undo', () => void this.undo(), 'btn btn-undo', 'Z');

    const side = el('aside', 'side', this.root);
    el('h2', '', side, 'Progress');
    this.phase = el('p', 'phase', side, '');
    const dl = el('dl', 'stats', side);
    for (const [key, label] of [
      ['labels', 'Labels given'],
      ['rate', 'Labels / minute'],
      ['due', 'Schedule asks for'],
      ['pending', 'Pairs waiting'],
      ['rm', 'Model updates'],
      ['screened', 'Screened out'],
    ] as const) {
      const dt = el('dt', '', dl, label);
      this.stats[key] = el('dd', '', dl, '–');
      this.stats[key].dataset.stat = key;
      if (key === 'screened') {
        this.screenedRow = [dt, this.stats[key]];
        dt.hidden = this.stats[key].hidden = true;
      }
    }
    el('h2', '', side, 'Labelers');
    this.labelers = el('dl', 'stats labelers', side);
    this.labelers.title =
      "How often the reward model predicts each labeler's held-out answers (never trained on) at its last evaluation: a labeler far below the rest answers unlike everyone else, or carelessly.";
    el('h2', '', side, 'This pair');
    this.uncertainty = el('p', 'uncertainty', side, '–');
    el('h2', '', side, 'Keys');
    const keys = el('ul', 'keys', side);
    for (const [k, what] of [
      ['←  →', 'that clip is better'],
      ['↓', 'both equally good'],
      ['Space', "can't tell"],
      ['Z', 'undo your last answer'],
    ]) {
      const li = el('li', '', keys);
      el('kbd', '', li, k);
      li.append(` ${what}`);
    }
    bridge.onEvent((e) => {
      if (e.type === 'progress') {
        this.showProgress(e.data);
        if (this.current === null && (e.data.preferences?.pending ?? 0) > 0) void this.fill();
      } else if (e.type === 'status') {
        this.status = e.data;
        this.showPhase();
        if (e.data === null) this.clear();
        else if (this.current === null) void this.fill();
      } else if (e.type === 'labels' && this.current === null) void this.fill();
    });
    this.refresh();
  }

  /** The pair player's counters (null until it exists), for the benchmark. */
  get playback(): PlaybackCounters | null {
    return this.player?.counters ?? null;
  }

  show(): void {
    if (this.current !== null) this.player?.resume();
    void this.bridge.api.status().then((s) => {
      this.status = s;
      this.showPhase();
      void this.fill();
    });
    void this.bridge.api.progress().then((p) => p && this.showProgress(p), () => {});
  }

  hide(): void {
    this.player?.pause();
  }

  key(e: KeyboardEvent): boolean {
    const answer = ANSWER_KEYS[e.key];
    if (answer !== undefined) {
      void this.answer(answer);
      return true;
    }
    if (e.key === 'z' || e.key === 'Z') {
      void this.undo();
      return true;
    }
    return false;
  }

  /** Forgets the pairs shown (another run was opened). */
  clear(): void {
    this.current = null;
    this.next = null;
    this.display();
  }

  /** Gets a pair to show if none is, and the one after it. */
  private async fill(): Promise<void> {
    // A run without the preference channel has no pairs: the empty note says so, once, rather than a toast per event.
    if (this.fetching || this.status === null || !this.status.feedback.includes('preferences')) return;
    this.fetching = true;
    try {
      if (this.current === null) {
        this.current = this.next ?? (await this.bridge.api.nextPair());
        this.next = null;
        this.display();
      }
      if (this.current !== null && this.next === null) this.next = await this.bridge.api.nextPair({ exclude: [this.current.pairId] });
    } catch (err) {
      if (this.status !== null) this.note(err);
    } finally {
      this.fetching = false;
    }
  }

  private async answer(answer: AnswerValue): Promise<void> {
    const answered = this.current;
    if (answered === null) return;
    const t0 = performance.now();
    this.current = this.next;
    this.next = null;
    this.display();
    if (this.current !== null) requestAnimationFrame(() => answerLatencies.push(performance.now() - t0));
    try {
      await this.bridge.api.answer({ pairId: answered.pairId, answer });
    } catch (err) {
      this.note(err);
    }
    await this.fill();
  }

  private async undo(): Promise<void> {
    try {
      const label = await this.bridge.api.undo();
      // The undone pair is back at the front of the queue, locked for us; what was on screen comes after it.
      const again = await this.bridge.api.nextPair();
      if (again !== null && again.pairId === label.pairId) {
        this.next = this.current;
        this.current = again;
        this.display();
      }
      toast(`Took back your answer to pair ${label.pairId} ("${label.answer}")`, 'ok');
    } catch (err) {
      this.note(err);
    }
  }

  private display(): void {
    const pair = this.current;
    // With no pair to show the player is hidden: it stops drawing the last one, leaving the CPU to training.
    if (pair !== null) this.player?.load(pair.left, pair.right);
    else this.player?.pause();
    this.uncertainty.textContent =
      pair === null
        ? '–'
        : pair.uncertainty === null
          ? `Pair ${pair.pairId}: chosen before the model could judge it (random-policy clips).`
          : `Pair ${pair.pairId}: the reward models disagree by ${fmt(pair.uncertainty, 3)} (variance of P[left better]); higher is more informative.`;
    this.refresh();
  }

  private refresh(): void {
    const has = this.current !== null;
    this.root.classList.toggle('has-pair', has);
    for (const b of this.buttons) b.disabled = !has;
    if (!has) {
      this.empty.textContent =
        this.status === null
          ? 'Open or create a run in Runs to start comparing clips.'
          : !this.status.feedback.includes('preferences')
            ? `Run ${this.status.name} learns from the ${this.status.reward} reward: it has no pairs to compare.`
            : this.status.phase in ENDED
              ? `Run ${this.status.name} has ${ENDED[this.status.phase]}: it asks for no more pairs. History lists its answers, to replay and change.`
              : 'No pair is waiting. Training asks for more as its label schedule comes due; they appear here.';
    }
  }

  private showProgress(progress: Progress): void {
    const p = progress.preferences;
    if (p === null) {
      this.labelers.replaceChildren();
      return;
    }
    this.stats.labels.textContent = `${fmt(p.labels)} of ${fmt(p.budget)}`;
    this.stats.rate.textContent = fmt(p.labelsPerMinute, 1);
    this.stats.due.textContent = `${fmt(p.scheduleDue)} by now (${fmt(p.asked)} asked)`;
    this.stats.pending.textContent = fmt(p.pending);
    this.stats.rm.textContent = fmt(p.rewardModelSteps);
    // Only in runs with the label screen: answers it leaves out, to look at again in History.
    for (const e of this.screenedRow) e.hidden = p.screenedOut === null;
    this.stats.screened.textContent = p.screenedOut === null ? '–' : fmt(p.screenedOut);
    if (p.screenedOut !== null && p.screenedOut > 0) button(this.stats.screened, 'Review', () => this.review({ screenedOut: true }), 'btn btn-small btn-review');
    // Each labeler's agreement with the reward model on their held-out answers.
    this.labelers.replaceChildren();
    if (p.labelers === null || p.labelers.length === 0) {
      el('dd', 'muted', this.labelers, p.labelers === null ? 'after the reward model’s next evaluation' : 'no held-out answers yet');
      return;
    }
    for (const l of p.labelers) {
      const name = button(el('dt', '', this.labelers), l.labeler, () => this.review({ labeler: l.labeler }), 'link');
      name.title = `List ${l.labeler}'s answers in History`;
      const dd = el('dd', '', this.labelers, `${fmt(100 * l.agreement, 0)}% of ${fmt(l.heldOut)}`);
      dd.dataset.labeler = l.labeler;
    }
  }

  private showPhase(): void {
    const s = this.status;
    const words: Record<string, string> = {
      starting: 'Starting',
      'waiting-for-labels': 'Waiting for the first labels before training starts',
      pretraining: 'Pretraining the reward model on the first labels',
      training: 'Training',
      paused: 'Training paused',
      finished: 'Training finished',
      stopped: 'Stopped',
      failed: 'Failed',
    };
    this.phase.textContent = s === null ? 'No run open.' : `${s.name} · ${s.env} · ${words[s.phase] ?? s.phase}`;
    this.refresh();
  }

  private note(err: unknown): void {
    toast(err instanceof Error ? err.message : String(err));
  }
}
