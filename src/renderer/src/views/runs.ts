/** Runs: create a run, open or resume an earlier one, export what a run learned. */
import {
  AGENT_REWARDS,
  AGENT_NAMES,
  type Bridge,
  EXPERT_TEACHER_NAMES,
  FEEDBACK_CHANNELS,
  GAMES,
  MAX_APP_CLIP_LENGTH,
  PIXEL_UPDATE_SECONDS_WASM,
  PRETRAIN_EPOCHS,
  pretrainingUpdates,
  rewardOfChannels,
  type RunStatus,
  type RunSummary,
  SCALAR_TEACHER_NAMES,
  TEACHER_NAMES,
} from '../../../shared/api';
import { DEFAULT_CLIP_LENGTH, gameDefaults, gamesWithExtra, type NormaliseOn, preferenceRunDefaults } from '../../../shared/game-defaults';
import { button, el, fmt, setOptions, toast } from '../dom';
import type { View } from './view';

/** The form's default steps: A2C's agent steps, and greedy-h's live steps (about 22 minutes at 15 a second). */
const A2C_STEPS = 1_000_000;
const LIVE_STEPS = 20_000;
/** Pretraining epochs the form suggests for a pixel run, whose reward-model minibatches take seconds on wasm. */
const PIXEL_PRETRAIN_EPOCHS = 20;

/** A labelled row; returns its hint, to change later. */
function field(form: HTMLElement, label: string, input: HTMLElement, hint?: string): HTMLSpanElement | null {
  const row = el('label', 'field', form);
  el('span', 'field-label', row, label);
  row.append(input);
  return hint === undefined ? null : el('span', 'field-hint', row, hint);
}

function select(name: string, options: readonly (readonly [string, string])[]): HTMLSelectElement {
  const s = el('select');
  s.name = name;
  setOptions(s, options);
  return s;
}

function number(name: string, value: number, min: number): HTMLInputElement {
  const i = el('input');
  i.type = 'number';
  i.name = name;
  i.value = String(value);
  i.min = String(min);
  i.required = true;
  return i;
}

export class RunsView implements View {
  readonly id = 'runs';
  readonly title = 'Runs';
  readonly root = el('section', 'view view-runs');
  private readonly table: HTMLTableSectionElement;
  private readonly form: HTMLFormElement;
  private readonly pretrainHint: HTMLSpanElement;
  private readonly expertHint: HTMLSpanElement;
  /** The runs as last listed: the expert runs the form offers are among them. */
  private runs: RunSummary[] = [];
  private shown = false;

  constructor(
    private readonly bridge: Bridge,
    /** Called with the run just created or opened, to show the view it is worked in. */
    private readonly opened: (run: RunStatus) => void,
  ) {
    const list = el('div', 'runs-list', this.root);
    el('h2', '', list, 'Runs');
    const table = el('table', 'table', list);
    const head = el('tr', '', el('thead', '', table));
    for (const h of ['Name', 'Game', 'Reward', 'Labels', 'Steps', 'State', '']) el('th', '', head, h);
    this.table = el('tbody', '', table);

    const create = el('div', 'runs-create', this.root);
    el('h2', '', create, 'New run');
    const form = (this.form = el('form', 'form', create));
    const name = el('input');
    name.name = 'name';
    name.value = `run-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
    name.required = true;
    field(form, 'Name', name);
    field(form, 'Game', select('env', GAMES.map((g) => [g, g])));
    const obsType = select('obsType', [['ram', 'RAM features'], ['pixels', 'Pixels (84×84×4)']]);
    field(form, 'Observations', obsType, "Pixels: the reward model (and Deep TAMER's Ĥ) is a CNN, as in the papers; slow on wasm.");
    const channels = el('div', 'checks');
    for (const c of FEEDBACK_CHANNELS) {
      const l = el('label', 'check', channels);
      const box = el('input', '', l);
      box.type = 'checkbox';
      box.name = 'feedback';
      box.value = c;
      box.checked = c === 'preferences';
      l.append(c === 'preferences' ? ' Clip comparisons' : ' Good / bad while watching');
    }
    field(form, 'Feedback', channels);
    field(form, 'Teacher', select('teacher', [['', 'People (this app)'], ...TEACHER_NAMES.map((t) => [t, `Synthetic: ${t}`] as const)]), 'A synthetic teacher answers every pair itself.');
    field(form, 'Label budget', number('labels', 400, 4));
    field(form, 'Prefill', number('prefill', 0, 0), 'Labels a synthetic oracle gives first.');
    const pretrain = number('pretrainEpochs', PRETRAIN_EPOCHS, 0);
    this.pretrainHint = field(form, 'Pretraining epochs', pretrain, '')!;
    const screen = el('label', 'check');
    const screenBox = el('input', '', screen);
    screenBox.type = 'checkbox';
    screenBox.name = 'screenLabels';
    screen.append(' Screen out likely mistakes');
    field(
      form,
      'Label screen',
      screen,
      `Leaves out of training the answers the reward model is confident are slips (RIME); helps when labelers sometimes click the wrong clip. Ticked for ${gamesWithExtra('screenLabels').join(', ')} with clip comparisons alone, where it was measured.`,
    );
    field(
      form,
      'Reward scale',
      select('normaliseOn', [['recent', "Agent's latest clips"], ['initial', "First labels' clips"]]),
      `What the learned reward is renormalised on as the agent trains: its latest clips (Christiano et al.), or the first labels' clips of random play, a fixed reference, so that the reward grows as the agent beats random play, as a score does. First labels' for ${gamesWithExtra('normaliseOn').join(', ')} with clip comparisons alone, where it was measured.`,
    );
    const clipLength = number('clipLength', DEFAULT_CLIP_LENGTH, 1);
    clipLength.max = String(MAX_APP_CLIP_LENGTH);
    field(
      form,
      'Clip length',
      clipLength,
      `Agent steps in each clip compared, 15 a second: ${DEFAULT_CLIP_LENGTH} (1.7 s), as Christiano et al.; ${gameDefaults('clipLength')} with clip comparisons alone, where it was measured. Longer clips differ more often in what they show, and take longer to watch.`,
    );
    field(
      form,
      'Live teacher',
      select('scalarTeacher', [['', 'People (↑ / ↓ in Live)'], ...SCALAR_TEACHER_NAMES.map((t) => [t, `Synthetic: ${t}`] as const)]),
      'Good / bad channel: a synthetic teacher also presses: scalar-oracle from the true reward; scalar-expert and scalar-policy as an expert run judges the actions.',
    );
    this.expertHint = field(form, 'Expert run', select('expert', []), '')!;
    field(form, 'Feedback budget', number('feedbackBudget', 1000, 1), "The synthetic live teacher's presses.");
    const agent = select('agent', [['a2c', 'A2C on the learned reward'], ['greedy-h', 'Greedy on Ĥ (Deep TAMER)']]);
    field(form, 'Agent', agent, 'Greedy on Ĥ: Deep TAMER\'s own agent, which learns as you press; good / bad channel alone.');
    field(
      form,
      'A2C is paid',
      select('agentReward', [['state', "Ĥ's mean over the actions"], ['action', 'Ĥ of the action taken']]),
      'Both channels: clips rate states, presses rate actions. Paid Ĥ of the action taken, A2C also takes whatever action the presses favour, everywhere.',
    );
    const steps = number('steps', A2C_STEPS, 1000);
    field(form, 'Agent steps', steps, 'A2C: thousands a second. Greedy on Ĥ: live steps, 15 a second.');
    const explore = el('label', 'check');
    const exploreBox = el('input', '', explore);
    exploreBox.type = 'checkbox';
    exploreBox.name = 'explore';
    explore.append(' Explore first');
    field(
      form,
      'Exploration',
      explore,
      `Over the first third of its steps A2C is also paid for going where it has not been (a state-entropy bonus, PEBBLE), so that it does not settle before it sees what the labels pay for. A2C on RAM features only; ticked for ${gamesWithExtra('explore').join(' and ')} with clip comparisons alone, where it was measured.`,
    );
    // Deep TAMER's agent learns from presses alone, at the game's speed: the form follows the choice.
    // Back to A2C, the channels ticked before come back.
    let ticked: string[] | null = null;
    agent.addEventListener('change', () => {
      const live = agent.value === 'greedy-h';
      const boxes = [...form.querySelectorAll<HTMLInputElement>('input[name=feedback]')];
      if (live && ticked === null) ticked = boxes.filter((b) => b.checked).map((b) => b.value);
      for (const box of boxes) {
        if (live) box.checked = box.value === 'scalar';
        else if (ticked !== null) box.checked = ticked.includes(box.value);
        box.disabled = live;
      }
      if (!live) ticked = null;
      if (live && Number(steps.value) === A2C_STEPS) steps.value = String(LIVE_STEPS);
      if (!live && Number(steps.value) === LIVE_STEPS) steps.value = String(A2C_STEPS);
      this.syncChannels();
      this.syncExplore();
    });
    // A pixel run's reward model is a CNN, whose minibatches take seconds on wasm: fewer pretraining epochs.
    obsType.addEventListener('change', () => {
      const pixels = obsType.value === 'pixels';
      if (pixels && Number(pretrain.value) === PRETRAIN_EPOCHS) pretrain.value = String(PIXEL_PRETRAIN_EPOCHS);
      if (!pixels && Number(pretrain.value) === PIXEL_PRETRAIN_EPOCHS) pretrain.value = String(PRETRAIN_EPOCHS);
      this.syncPretrainHint();
      this.syncExplore();
    });
    form.addEventListener('change', (e) => {
      const changed = (e.target as HTMLInputElement).name;
      if (changed === 'feedback') this.syncChannels();
      if (changed === 'env' || changed === 'scalarTeacher' || changed === 'expert') this.syncExperts();
      if (changed === 'env' || changed === 'obsType' || changed === 'feedback' || changed === 'agent') this.syncDefaults();
    });
    form.addEventListener('input', () => this.syncPretrainHint());
    field(form, 'Seed', number('seed', 1, 0));
    const submit = el('button', 'btn btn-primary', form, 'Create and start');
    submit.type = 'submit';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.create();
    });
    this.syncChannels();
    this.syncDefaults();
    bridge.onEvent((e) => {
      // listRuns reads every run folder: only while the list is on screen.
      if (e.type === 'status' && this.shown) void this.refresh();
    });
  }

  /** The form's input named `name`. */
  private input(name: string): HTMLInputElement | HTMLSelectElement {
    return this.form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  }

  /** The channels ticked (read from the boxes: disabled ones are left out of the form's data). */
  private channels(): (typeof FEEDBACK_CHANNELS)[number][] {
    return [...this.form.querySelectorAll<HTMLInputElement>('input[name=feedback]')].filter((b) => b.checked).map((b) => b.value as (typeof FEEDBACK_CHANNELS)[number]);
  }

  /** The settings of a channel not ticked are greyed out, and not sent. */
  private syncChannels(): void {
    const channels = this.channels();
    for (const name of ['teacher', 'labels', 'prefill', 'pretrainEpochs', 'screenLabels', 'normaliseOn', 'clipLength']) this.input(name).disabled = !channels.includes('preferences');
    for (const name of ['scalarTeacher', 'feedbackBudget']) this.input(name).disabled = !channels.includes('scalar');
    this.input('agentReward').disabled = !(channels.includes('preferences') && channels.includes('scalar'));
    this.syncPretrainHint();
    this.syncExperts();
  }

  /**
   * The label screen, the exploration bonus and what the reward is renormalised on start as a new run of the
   * chosen game, channels and observations defaults to (preferenceRunDefaults: for clip comparisons alone on the
   * games they were measured on); the person may change them.
   */
  private syncDefaults(): void {
    const reward = rewardOfChannels(this.channels()) ?? 'none';
    const defaults = preferenceRunDefaults(this.input('env').value, reward, this.input('obsType').value, this.input('agent').value);
    (this.input('screenLabels') as HTMLInputElement).checked = defaults.screenLabels;
    (this.input('explore') as HTMLInputElement).checked = defaults.explore;
    this.input('normaliseOn').value = defaults.normaliseOn;
    this.input('clipLength').value = String(defaults.clipLength);
  }

  /** The exploration bonus is A2C's, on ram observations. */
  private syncExplore(): void {
    this.input('explore').disabled = this.input('agent').value === 'greedy-h' || this.input('obsType').value !== 'ram';
  }

  /** Whether the live teacher chosen judges by an expert run (and the channel is ticked). */
  private byExpert(): boolean {
    const teacher = this.input('scalarTeacher');
    return !teacher.disabled && (EXPERT_TEACHER_NAMES as readonly string[]).includes(teacher.value);
  }

  /** The expert runs on offer: the runs of the chosen game trained on the true score (made headless). */
  private syncExperts(): void {
    const expert = this.input('expert') as HTMLSelectElement;
    const env = this.input('env').value;
    const had = expert.value;
    const candidates = this.runs.filter((r) => r.reward === 'true' && r.env === env);
    setOptions(expert, candidates.map((r) => [r.name, `${r.name} (${r.obsType}, ${fmt(r.steps)} steps)`] as const));
    if (candidates.some((r) => r.name === had)) expert.value = had;
    expert.disabled = !this.byExpert() || candidates.length === 0;
    this.expertHint.textContent = !this.byExpert()
      ? 'For the live teachers scalar-expert and scalar-policy.'
      : candidates.length === 0
        ? `No run of ${env} trained on the true score here yet: make one headless, npm run train -- --env ${env} --reward true --out <runs folder>/<name>.`
        : candidates.find((r) => r.name === expert.value)?.maskScore === false
          ? 'Its agent, trained on the true score, judges the actions; the new run sees what it saw: the score too, where the game shows it.'
          : 'Its agent, trained on the true score, judges the actions; the new run sees what it saw (the score hidden).';
  }

  /** What pretraining will cost: on pixels, minutes to hours on wasm before the agent takes a step. */
  private syncPretrainHint(): void {
    const epochs = Number(this.input('pretrainEpochs').value);
    const labels = Number(this.input('labels').value);
    if (this.input('obsType').value !== 'pixels' || !(epochs >= 0 && labels >= 4)) {
      this.pretrainHint.textContent = `Reward-model passes over the first labels before the agent starts (Christiano et al.: ${PRETRAIN_EPOCHS}).`;
      return;
    }
    const updates = pretrainingUpdates(labels, epochs);
    const minutes = Math.round((updates * PIXEL_UPDATE_SECONDS_WASM) / 60);
    this.pretrainHint.textContent =
      `Pixels: ${fmt(updates)} reward-model updates of about ${PIXEL_UPDATE_SECONDS_WASM} s each on wasm, ` +
      `${minutes < 120 ? `about ${minutes} min` : `about ${Math.round(minutes / 60)} h`} before the agent starts.`;
  }

  show(): void {
    this.shown = true;
    void this.refresh();
  }

  hide(): void {
    this.shown = false;
  }

  key(): boolean {
    return false;
  }

  private async refresh(): Promise<void> {
    let runs: RunSummary[];
    try {
      runs = await this.bridge.api.listRuns();
    } catch (err) {
      toast((err as Error).message);
      return;
    }
    this.runs = runs;
    this.syncExperts();
    this.table.replaceChildren();
    if (runs.length === 0) {
      const td = el('td', 'muted', el('tr', '', this.table), 'No runs yet: create one.');
      td.colSpan = 7;
    }
    for (const r of runs) {
      const tr = el('tr', r.active ? 'active' : '', this.table);
      el('td', 'name', tr, r.name);
      el('td', '', tr, `${r.env} (${r.obsType})`);
      const reward = r.agent === 'greedy-h' ? `${r.reward} (greedy on Ĥ)` : r.reward;
      el('td', '', tr, r.teacher === null ? reward : `${reward} · ${r.teacher}`);
      el('td', 'num', tr, r.labelBudget === null ? '–' : `${fmt(r.labels)} / ${fmt(r.labelBudget)}`);
      el('td', 'num', tr, `${fmt(r.steps)} / ${fmt(r.totalSteps)}`);
      el('td', '', tr, r.active ? 'open' : r.finished ? 'finished' : 'stopped');
      const actions = el('td', 'actions', tr);
      const open = button(actions, r.active ? 'Open' : r.finished ? 'Open' : 'Resume', () => void this.open(r.name), 'btn btn-small');
      open.disabled = r.active;
      button(actions, 'Export', () => void this.export(r.name), 'btn btn-small');
    }
  }

  private async create(): Promise<void> {
    const value = (name: string) => this.input(name).value;
    const channels = this.channels();
    const prefs = channels.includes('preferences');
    const scalar = channels.includes('scalar');
    const teacher = value('teacher');
    const scalarTeacher = value('scalarTeacher');
    try {
      const run = await this.bridge.api.createRun({
        name: value('name'),
        env: value('env') as (typeof GAMES)[number],
        obsType: value('obsType') as 'ram' | 'pixels',
        feedback: channels,
        agent: value('agent') as (typeof AGENT_NAMES)[number],
        teacher: !prefs || teacher === '' ? null : (teacher as (typeof TEACHER_NAMES)[number]),
        ...(prefs && { labels: Number(value('labels')) }),
        scalarTeacher: !scalar || scalarTeacher === '' ? null : (scalarTeacher as (typeof SCALAR_TEACHER_NAMES)[number]),
        ...(scalar && { feedbackBudget: Number(value('feedbackBudget')) }),
        ...(this.byExpert() && value('expert') !== '' && { expert: value('expert') }),
        prefill: prefs ? Number(value('prefill')) : 0,
        ...(prefs && { pretrainEpochs: Number(value('pretrainEpochs')) }),
        ...(prefs && { screenLabels: (this.input('screenLabels') as HTMLInputElement).checked }),
        ...(prefs && { normaliseOn: value('normaliseOn') as NormaliseOn }),
        ...(prefs && { clipLength: Number(value('clipLength')) }),
        ...(prefs && scalar && { agentReward: value('agentReward') as (typeof AGENT_REWARDS)[number] }),
        ...(!this.input('explore').disabled && { explore: (this.input('explore') as HTMLInputElement).checked }),
        steps: Number(value('steps')),
        seed: Number(value('seed')),
      });
      toast(`Run ${run.name} created; ${prefs ? 'training starts when the first labels are in' : 'press ↑ / ↓ in Live while it plays'}.`, 'ok');
      this.opened(run);
    } catch (err) {
      toast((err as Error).message);
    }
    await this.refresh();
  }

  private async open(name: string): Promise<void> {
    try {
      this.opened(await this.bridge.api.openRun({ name }));
    } catch (err) {
      toast((err as Error).message);
    }
    await this.refresh();
  }

  private async export(name: string): Promise<void> {
    try {
      const { path, labels, presses } = await this.bridge.api.exportRun({ name });
      toast(`Exported to ${path} (the reward model, and ${labels} labels and ${presses} presses in labels.jsonl)`, 'ok');
    } catch (err) {
      toast((err as Error).message);
    }
  }
}
