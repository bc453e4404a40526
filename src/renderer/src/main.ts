/**
 * The renderer's entry: the app shell (tabs for the four views, the open run in the header, keyboard
 * routing) over one Bridge to the session host, the preload's in Electron or a WebSocket in browser mode.
 */
import type { RunStatus } from '../../shared/api';
import { connect } from './bridge';
import { el, fmt, toast, typing } from './dom';
import { answerLatencies, CompareView } from './views/compare';
import { HistoryView } from './views/history';
import { LiveView } from './views/live';
import { RunsView } from './views/runs';
import type { View } from './views/view';

const PHASES: Record<string, string> = {
  starting: 'starting',
  'waiting-for-labels': 'waiting for the first labels',
  pretraining: 'pretraining the reward model',
  training: 'training',
  paused: 'paused',
  finished: 'finished',
  stopped: 'stopped',
  failed: 'failed',
};

async function main(): Promise<void> {
  const bridge = await connect();
  const info = await bridge.api.appInfo();
  const tabs = document.getElementById('tabs')!;
  const container = document.getElementById('views')!;
  const runBox = document.getElementById('run')!;

  let views: View[] = [];
  let current: View | null = null;
  const buttons = new Map<string, HTMLButtonElement>();
  const select = (id: string) => {
    const view = views.find((v) => v.id === id) ?? views[0];
    if (view === current) return;
    current?.hide();
    for (const v of views) v.root.hidden = v !== view;
    for (const [vid, b] of buttons) b.setAttribute('aria-selected', String(vid === view.id));
    current = view;
    view.show();
    if (location.hash !== `#${view.id}`) history.replaceState(null, '', `${location.search}#${view.id}`);
  };

  const historyView = new HistoryView(bridge);
  const compare = new CompareView(bridge, (filter) => {
    historyView.showOnly(filter);
    select('history');
  });
  views = [compare, new LiveView(bridge), new RunsView(bridge, (run) => select(run.feedback.includes('preferences') ? 'compare' : 'live')), historyView];
  views.forEach((v, i) => {
    container.append(v.root);
    v.root.hidden = true;
    const b = el('button', 'tab', tabs);
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.append(v.title);
    el('kbd', '', b, String(i + 1));
    b.addEventListener('click', () => select(v.id));
    buttons.set(v.id, b);
  });

  const showRun = (s: RunStatus | null) => {
    runBox.replaceChildren();
    if (s === null) {
      runBox.append('No run open');
      return;
    }
    el('strong', '', runBox, s.name);
    runBox.append(` · ${s.env} · ${fmt(s.steps)} / ${fmt(s.totalSteps)} steps · `);
    el('span', `phase phase-${s.phase}`, runBox, PHASES[s.phase] ?? s.phase);
    if (s.error !== null) toast(`Run ${s.name}: ${s.error}`);
  };
  bridge.onEvent((e) => {
    if (e.type === 'status') showRun(e.data);
  });
  const status = await bridge.api.status();
  showRun(status);
  el('span', 'who', runBox.parentElement!, `${info.labeler} · ${info.shell} · v${info.version}`);
  select(location.hash.slice(1) || (status === null ? 'runs' : 'compare'));

  document.addEventListener('keydown', (e) => {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const n = Number(e.key);
    if (Number.isInteger(n) && n >= 1 && n <= views.length) {
      select(views[n - 1].id);
      e.preventDefault();
      return;
    }
    if (current?.key(e)) e.preventDefault();
  });
  // For the tests and the benchmark: the app is up, how fast answers bring the next pair, how clips play.
  Object.assign(window, { arcadeReady: true, answerLatencies, playbackCounters: () => compare.playback });
}

main().catch((err: unknown) => {
  document.body.replaceChildren();
  const box = el('div', 'fatal', document.body);
  el('h1', '', box, 'rlhf-arcade cannot start');
  el('p', '', box, err instanceof Error ? err.message : String(err));
});
