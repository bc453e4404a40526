/**
 * Live: the current policy playing one game at the game's speed, with the true score and the reward the
 * model predicts (Ĥ(s, a) in runs with live feedback); live charts of training; pause / resume; Up / Down give
 * good / bad feedback on what the agent is doing (the Deep TAMER channel): each press flashes what the host
 * made of it (the steps it credited, or why it was refused), and the presses given are counted.
 */
import type { Bridge, MetricsPoint, Progress, RunStatus } from '../../../shared/api';
import { Chart } from '../charts';
import { button, el, fmt, toast } from '../dom';
import { LiveScreen } from '../live-screen';
import type { View } from './view';

const FEEDBACK_HINT = 'Up / Down: tell the agent that what it is doing now is good or bad.';
const NO_FEEDBACK = 'This run takes no good / bad feedback: create one with the "good / bad while watching" channel to give it.';
const CHART_W = 400;
const CHART_H = 170;

export class LiveView implements View {
  readonly id = 'live';
  readonly title = 'Live';
  readonly root = el('section', 'view view-live');
  private screen: LiveScreen | null = null;
  private readonly readout: Record<string, HTMLElement> = {};
  private readonly labels: Record<string, HTMLElement> = {};
  private readonly pauseButton: HTMLButtonElement;
  private readonly feedbackNote: HTMLElement;
  private readonly feedbackButtons: HTMLButtonElement[];
  private noteFor = '';
  private readonly charts: { ret: Chart; acc: Chart; labels: Chart; sps: Chart };
  private status: RunStatus | null = null;
  private shown = false;
  private trainingStep = 0;
  private chartsRun = '';
  /** Whether the charted run learns from clip comparisons (else the accuracy chart says it has none). */
  private chartsAccuracy = false;

  constructor(private readonly bridge: Bridge) {
    const left = el('div', 'live-left', this.root);
    const screenBox = el('div', 'live-screen', left);
    void LiveScreen.create(screenBox).then((s) => {
      this.screen = s;
      s.onStep = (step) => {
        this.readout.episode.textContent = fmt(step.episode + 1);
        this.readout.score.textContent = fmt(step.score);
        this.readout.predicted.textContent = step.predicted === null ? 'true score run' : fmt(step.predicted, 3);
        this.readout.predictedReturn.textContent = fmt(step.predictedReturn, 2);
      };
      if (this.shown) s.start();
    });
    // The keys' buttons and the result of each press right under the game, where the eye is; the numbers below.
    const controls = el('div', 'live-controls', left);
    this.pauseButton = button(controls, 'Pause training', () => void this.togglePause(), 'btn', 'P');
    this.feedbackButtons = [
      button(controls, 'Good', () => void this.feedback(1), 'btn btn-good', '↑'),
      button(controls, 'Bad', () => void this.feedback(-1), 'btn btn-bad', '↓'),
    ];
    this.feedbackNote = el('p', 'feedback-note', left, FEEDBACK_HINT);

    const dl = el('dl', 'stats live-stats', left);
    for (const [k, label] of [
      ['episode', 'Episode'],
      ['score', 'True score'],
      ['predicted', 'Predicted reward r̂ (this step)'],
      ['predictedReturn', 'Predicted return (this episode)'],
      ['steps', 'Training steps'],
      ['feedback', 'Feedback given'],
    ] as const) {
      this.labels[k] = el('dt', '', dl, label);
      this.readout[k] = el('dd', '', dl, '–');
      this.labels[k].dataset.stat = k; // for tests and scripts: the readout by name, not by position
      this.readout[k].dataset.stat = k;
    }

    const grid = el('div', 'charts', this.root);
    this.charts = {
      ret: new Chart(el('div', 'chart', grid), 'Episode return', [
        { label: 'true (mean of 100)', color: '#6cc287' },
        { label: 'predicted', color: '#e0a84f', right: true },
      ], CHART_W, CHART_H),
      acc: new Chart(el('div', 'chart', grid), 'Reward-model validation accuracy', [{ label: 'accuracy', color: '#7aa7ff' }], CHART_W, CHART_H, [0, 1]),
      labels: new Chart(el('div', 'chart', grid), 'Human inputs', [
        { label: 'labels in effect', color: '#c58af9' },
        { label: 'presses', color: '#f08a8a' },
      ], CHART_W, CHART_H),
      sps: new Chart(el('div', 'chart', grid), 'Training speed', [{ label: 'steps/s', color: '#5fc9d3' }], CHART_W, CHART_H),
    };

    bridge.onEvent((e) => {
      if (e.type === 'live') {
        this.trainingStep = e.data.trainingStep;
        this.readout.steps.textContent = fmt(this.trainingStep);
        if (this.shown) this.screen?.push(e.data);
      } else if (e.type === 'metrics') this.plot(e.data);
      else if (e.type === 'status') this.setStatus(e.data);
      else if (e.type === 'progress') this.showProgress(e.data);
    });
  }

  show(): void {
    this.shown = true;
    this.screen?.start();
    void this.loadCharts();
    void this.bridge.api.progress().then((p) => this.showProgress(p), () => {});
  }

  hide(): void {
    this.shown = false;
    this.screen?.stop();
  }

  key(e: KeyboardEvent): boolean {
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      void this.feedback(e.key === 'ArrowUp' ? 1 : -1);
      return true;
    }
    if (e.key === 'p' || e.key === 'P') {
      void this.togglePause();
      return true;
    }
    return false;
  }

  private setStatus(s: RunStatus | null): void {
    this.status = s;
    const canPause = s !== null && ['training', 'paused', 'waiting-for-labels', 'pretraining', 'starting'].includes(s.phase);
    this.pauseButton.disabled = !canPause;
    // Deep TAMER's agent learns as it plays: pausing it stops the game.
    const what = s?.agent === 'greedy-h' ? 'agent' : 'training';
    this.pauseButton.firstChild!.textContent = s?.phase === 'paused' ? `Resume ${what}` : `Pause ${what}`;
    this.labels.steps.textContent = s?.agent === 'greedy-h' ? 'Steps played (greedy on Ĥ)' : 'Training steps';
    const scalar = s?.feedback.includes('scalar') ?? false;
    this.labels.predicted.textContent = scalar ? 'Predicted Ĥ(s, a) (this step)' : 'Predicted reward r̂ (this step)';
    if (!scalar) this.readout.feedback.textContent = s === null ? '–' : 'not taken by this run';
    // A run without the channel takes no presses: say so where the buttons are (a key press still says why).
    const refused = s !== null && !scalar;
    for (const b of this.feedbackButtons) {
      b.disabled = refused;
      b.title = refused ? NO_FEEDBACK : '';
    }
    // The hint starts over for another run (not on every status, which would wipe a press's flash).
    const noteFor = `${s?.name ?? ''}:${refused}`;
    if (noteFor !== this.noteFor) {
      this.noteFor = noteFor;
      this.feedbackNote.textContent = refused ? NO_FEEDBACK : FEEDBACK_HINT;
      this.feedbackNote.className = 'feedback-note';
    }
    if (s === null || s.name !== this.chartsRun) void this.loadCharts();
  }

  /** The run's metrics so far (the charts start over for another run). */
  private async loadCharts(): Promise<void> {
    const name = this.status?.name ?? '';
    if (name === this.chartsRun) return;
    this.chartsRun = name;
    this.chartsAccuracy = this.status?.feedback.includes('preferences') ?? false;
    for (const c of Object.values(this.charts)) c.clear();
    if (name !== '' && !this.chartsAccuracy) this.charts.acc.clear('This run has no clip comparisons');
    if (name === '') return;
    try {
      for (const p of await this.bridge.api.metrics()) this.plot(p);
    } catch (err) {
      // Refused because the run was closed meanwhile (another opened): the status that says so came first.
      if (this.status?.name === name) toast((err as Error).message);
    }
  }

  private plot(p: MetricsPoint): void {
    this.charts.ret.add(p.steps, p.trueReturn, p.predictedReturn);
    if (this.chartsAccuracy) this.charts.acc.add(p.steps, p.valAccuracy);
    this.charts.labels.add(p.steps, p.labels, p.presses);
    this.charts.sps.add(p.steps, p.sps);
  }

  private async togglePause(): Promise<void> {
    if (this.status === null) return;
    try {
      this.setStatus(await this.bridge.api.setPaused({ paused: this.status.phase !== 'paused' }));
    } catch (err) {
      toast((err as Error).message);
    }
  }

  private showProgress(p: Progress | null): void {
    const f = p?.feedback;
    if (f === undefined || f === null) return;
    this.readout.feedback.textContent = f.teacherBudget === null ? fmt(f.given) : `${fmt(f.given)} (synthetic teacher's budget ${fmt(f.teacherBudget)})`;
  }

  /** Sends a press (the host timestamps it on arrival) and flashes what became of it. */
  private async feedback(value: 1 | -1): Promise<void> {
    const word = value > 0 ? '+1 good' : '−1 bad';
    const kind = value > 0 ? 'good' : 'bad';
    try {
      const r = await this.bridge.api.feedback({ value });
      this.flash(`${word} → ${fmt(r.credited)} steps (weight ${fmt(r.weight, 2)}, t = ${fmt(r.time, 1)} s)`, `feedback-${kind}`);
      this.readout.feedback.textContent = fmt(r.given);
    } catch (err) {
      this.flash(`${word} not taken: ${(err as Error).message}`, 'feedback-error');
    }
  }

  private flash(text: string, kind: string): void {
    const note = this.feedbackNote;
    note.textContent = text;
    note.className = `feedback-note ${kind}`;
    // Restart the flash animation for a repeated press.
    void note.offsetWidth;
    note.classList.add('feedback-flash');
  }
}
