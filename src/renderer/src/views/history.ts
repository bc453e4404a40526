/** History: the labels in effect, newest first; each can be replayed in the pair player and changed. */
import { ANSWER_VALUES, type AnswerValue, type Bridge, type LabelView } from '../../../shared/api';
import { button, el, toast } from '../dom';
import { PairPlayer } from '../player/pair-player';
import type { View } from './view';

const ANSWER_WORDS: Record<AnswerValue, string> = { left: 'Left better', right: 'Right better', equal: 'Equal', 'cant-tell': "Can't tell" };

export class HistoryView implements View {
  readonly id = 'history';
  readonly title = 'History';
  readonly root = el('section', 'view view-history');
  private player: PairPlayer | null = null;
  private readonly caption: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private replaying: string | null = null;
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
    this.count.textContent = `${labels.length} in effect`;
    this.table.replaceChildren();
    for (const l of labels.slice().reverse()) {
      const tr = el('tr', l.pairId === this.replaying ? 'active' : '', this.table);
      tr.dataset.pair = l.pairId;
      el('td', 'name', tr, l.pairId);
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
      button(el('td', 'actions', tr), 'Replay', () => void this.replay(l), 'btn btn-small');
    }
  }

  private async replay(l: LabelView): Promise<void> {
    try {
      const [left, right] = await Promise.all([this.bridge.api.clip({ id: l.left }), this.bridge.api.clip({ id: l.right })]);
      this.player?.load(left, right);
      this.replaying = l.pairId;
      this.caption.textContent = `Pair ${l.pairId}: clips ${l.left} and ${l.right}, answered “${ANSWER_WORDS[l.answer]}” by ${l.labeler}.`;
      for (const tr of this.table.querySelectorAll('tr')) tr.classList.toggle('active', tr.dataset.pair === l.pairId);
    } catch (err) {
      toast((err as Error).message);
    }
  }

  private async change(pairId: string, answer: AnswerValue): Promise<void> {
    try {
      await this.bridge.api.change({ pairId, answer });
      toast(`Pair ${pairId} changed to “${ANSWER_WORDS[answer]}”`, 'ok');
    } catch (err) {
      toast((err as Error).message);
      this.stale = true;
      void this.refresh();
    }
  }
}
