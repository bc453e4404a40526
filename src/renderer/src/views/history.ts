/**
 * History: the labels in effect, newest first; each can be replayed in the pair player and changed. In a run
 * with the label screen, the labels it left out of training are marked, and the list can show them alone, so
 * that a person can look at those again and change the ones they got wrong, or keep them (and withdraw a Keep
 * given by mistake).
 */
import { ANSWER_VALUES, type AnswerValue, type Bridge, type LabelView } from '../../../shared/api';
import { button, el, setOptions, toast } from '../dom';
import { PairPlayer } from '../player/pair-player';
import type { HistoryFilter, View } from './view';

const ANSWER_WORDS: Record<AnswerValue, string> = { left: 'Left better', right: 'Right better', equal: 'Equal', 'cant-tell': "Can't tell" };

/** What the replay panel says of the label whose pair it plays. */
function captionOf(l: LabelView): string {
  return (
    `Pair ${l.pairId}: clips ${l.left} and ${l.right}, answered “${ANSWER_WORDS[l.answer]}” by ${l.labeler}.` +
    (l.screenedOut === true ? ' The label screen left this answer out of training: the reward model thinks it a slip. Change it, or Keep it to have it trained on.' : '')
  );
}

export class HistoryView implements View {
  readonly id = 'history';
  readonly title = 'History';
  readonly root = el('section', 'view view-history');
  private player: PairPlayer | null = null;
  private readonly caption: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private readonly onlyScreened: HTMLInputElement;
  private readonly onlyScreenedBox: HTMLElement;
  /** Whose answers are listed: "" for everyone's. */
  private readonly byLabeler: HTMLSelectElement;
  private replaying: string | null = null;
  /** A labeler to list once the list is next drawn (their option may not exist yet). */
  private wantLabeler: string | null = null;
  private shown = false;
  private stale = true;

  constructor(private readonly bridge: Bridge) {
    const replay = el('div', 'history-replay', this.root);
    el('h2', '', replay, 'Replay');
    this.caption = el('p', 'muted', replay, 'Choose a label to replay its pair.');
    const box = el('div', 'player-box', replay);
    void PairPlayer.create(box, { maxScale: 1, labels: ['Left clip', 'Right clip'] }).then((p) => {
      this.player = p;
      if (!this.shown) p.pause();
    });
    const list = el('div', 'history-list', this.root);
    const header = el('div', 'list-header', list);
    el('h2', '', header, 'Labels');
    this.count = el('span', 'muted', header, '');
    this.onlyScreenedBox = el('label', 'check history-filter', header);
    this.onlyScreened = el('input', '', this.onlyScreenedBox);
    this.onlyScreened.type = 'checkbox';
    this.onlyScreenedBox.append(' Only screened out');
    this.onlyScreenedBox.hidden = true;
    this.onlyScreened.addEventListener('change', () => void this.refresh());
    this.byLabeler = el('select', 'history-labeler', header);
    this.byLabeler.setAttribute('aria-label', 'labeler');
    this.byLabeler.addEventListener('change', () => void this.refresh());
    const table = el('table', 'table', el('div', 'scroll', list));
    const head = el('tr', '', el('thead', '', table));
    for (const h of ['Pair', 'Answer', 'By', 'When', '']) el('th', '', head, h);
    this.table = el('tbody', '', table);
    bridge.onEvent((e) => {
      if (e.type === 'labels' || e.type === 'status') {
        this.stale = true;
        if (this.shown) void this.refresh();
      }
    });
  }

  /** Lists only the answers the label screen leaves out, or one labeler's, from the next time the list is drawn. */
  showOnly(filter: HistoryFilter): void {
    if ('screenedOut' in filter) this.onlyScreened.checked = true;
    else {
      this.onlyScreened.checked = false;
      this.wantLabeler = filter.labeler;
    }
    this.stale = true;
    if (this.shown) void this.refresh();
  }

  show(): void {
    this.shown = true;
    if (this.replaying !== null) this.player?.resume();
    if (this.stale) void this.refresh();
  }

  hide(): void {
    this.shown = false;
    this.player?.pause();
  }

  key(): boolean {
    return false;
  }

  private async refresh(): Promise<void> {
    this.stale = false;
    let labels: LabelView[];
    try {
      labels = await this.bridge.api.history();
    } catch {
      labels = [];
    }
    const screened = labels.filter((l) => l.screenedOut === true).length;
    this.count.textContent = `${labels.length} in effect${screened > 0 ? `, ${screened} screened out` : ''}`;
    this.onlyScreenedBox.hidden = screened === 0;
    const only = screened > 0 && this.onlyScreened.checked;
    // Everyone who has an answer in effect, to list one's alone.
    const chosen = this.wantLabeler ?? this.byLabeler.value;
    this.wantLabeler = null;
    const names = [...new Set(labels.map((l) => l.labeler))].sort();
    setOptions(this.byLabeler, [['', 'All labelers'], ...names.map((n) => [n, n] as const)]);
    this.byLabeler.value = names.includes(chosen) ? chosen : '';
    const who = this.byLabeler.value;
    // The pair on replay may have been changed or kept since (here or by another labeler): say what it is now.
    const onReplay = labels.find((l) => l.pairId === this.replaying);
    if (onReplay !== undefined) this.caption.textContent = captionOf(onReplay);
    this.table.replaceChildren();
    for (const l of labels.slice().reverse()) {
      if ((only && l.screenedOut !== true) || (who !== '' && l.labeler !== who)) continue;
      const tr = el('tr', `${l.pairId === this.replaying ? 'active' : ''}${l.screenedOut === true ? ' screened' : ''}`.trim(), this.table);
      tr.dataset.pair = l.pairId;
      const name = el('td', 'name', tr, l.pairId);
      if (l.screenedOut === true) {
        const tag = el('span', 'tag tag-warn', name, 'screened out');
        tag.title = 'The label screen left this answer out of training: the reward model is confident it is a slip. Replay the pair; change the answer if it is wrong, or keep it: an answer you changed or kept is trusted.';
      } else if (l.reviewed === true) {
        const tag = el('span', 'tag tag-muted', name, 'reviewed');
        tag.title = 'A person changed or kept this answer from the history: the label screen trusts it.';
      }
      const answer = el('select', 'answer-select');
      answer.setAttribute('aria-label', `answer to ${l.pairId}`);
      for (const a of ANSWER_VALUES) {
        const o = el('option', '', answer, ANSWER_WORDS[a]);
        o.value = a;
        o.selected = a === l.answer;
      }
      answer.addEventListener('change', () => void this.change(l.pairId, answer.value as AnswerValue));
      el('td', '', tr).append(answer);
      el('td', '', tr, l.labeler);
      el('td', 'muted', tr, new Date(l.time).toLocaleTimeString());
      const actions = el('td', 'actions', tr);
      if (l.screenedOut === true) button(actions, 'Keep', () => void this.change(l.pairId, l.answer, 'kept'), 'btn btn-small btn-keep');
      if (l.reviewed === true) {
        const b = button(actions, 'Unreview', () => void this.unreview(l.pairId), 'btn btn-small btn-unreview');
        b.title = 'Withdraw your review (a Keep by mistake): the answer stays, and the label screen judges it again like any other.';
      }
      button(actions, 'Replay', () => void this.replay(l), 'btn btn-small');
    }
  }

  private async replay(l: LabelView): Promise<void> {
    try {
      const [left, right] = await Promise.all([this.bridge.api.clip({ id: l.left }), this.bridge.api.clip({ id: l.right })]);
      this.player?.load(left, right);
      this.replaying = l.pairId;
      this.caption.textContent = captionOf(l);
      for (const tr of this.table.querySelectorAll('tr')) tr.classList.toggle('active', tr.dataset.pair === l.pairId);
    } catch (err) {
      toast((err as Error).message);
    }
  }

  private async unreview(pairId: string): Promise<void> {
    try {
      const l = await this.bridge.api.unreview({ pairId });
      toast(`Pair ${pairId}: review withdrawn${l.screenedOut === true ? '; the label screen leaves it out again' : '; the label screen judges it at its next screening'}`, 'ok');
    } catch (err) {
      toast((err as Error).message);
      this.stale = true;
      void this.refresh();
    }
  }

  private async change(pairId: string, answer: AnswerValue, done: 'changed' | 'kept' = 'changed'): Promise<void> {
    try {
      await this.bridge.api.change({ pairId, answer });
      toast(done === 'kept' ? `Pair ${pairId} kept as “${ANSWER_WORDS[answer]}”: trained on again` : `Pair ${pairId} changed to “${ANSWER_WORDS[answer]}”`, 'ok');
    } catch (err) {
      toast((err as Error).message);
      this.stale = true;
      void this.refresh();
    }
  }
}
