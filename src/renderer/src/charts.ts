/** The Live view's charts: uPlot line charts over agent steps, styled for the app's dark theme. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** Second y axis (on the right), for a series on another scale. */
  right?: boolean;
}

const AXIS = { stroke: '#8d93a5', grid: { stroke: '#2a2f3d', width: 1 }, ticks: { stroke: '#2a2f3d', width: 1 }, font: '11px system-ui, sans-serif' };

export class Chart {
  private readonly plot: uPlot;
  private readonly data: (number | null)[][];
  private readonly parent: HTMLElement;

  /** `range`: a fixed y range (e.g. [0, 1] for an accuracy); otherwise it follows the data. */
  constructor(parent: HTMLElement, title: string, series: Series[], width: number, height: number, range?: [number, number]) {
    this.parent = parent;
    this.data = [[], ...series.map(() => [])];
    const right = series.some((s) => s.right);
    this.plot = new uPlot(
      {
        title,
        width,
        height,
        // A key to the lines, not a readout of values under the cursor: a live legend would also list the x series.
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, ...(range && { y: { range } }) },
        axes: [
          { ...AXIS, values: (_u, ticks) => ticks.map((t) => (t >= 1000 ? `${Math.round(t / 1000)}k` : String(t))) },
          { ...AXIS, scale: 'y', size: 60 },
          ...(right ? [{ ...AXIS, scale: 'y2', side: 1, grid: { show: false }, size: 52 }] : []),
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, scale: s.right ? 'y2' : 'y', spanGaps: true, points: { show: false } }))],
      },
      this.data as uPlot.AlignedData,
      parent,
    );
    this.showEmpty('No metrics yet');
  }

  /** Appends one point: x (agent steps), then one value per series (null: no value at this step). */
  add(x: number, ...ys: (number | null)[]): void {
    this.data[0].push(x);
    ys.forEach((y, i) => this.data[i + 1].push(y));
    this.plot.setData(this.data as uPlot.AlignedData);
    this.parent.classList.remove('empty');
  }

  /** Empties the chart (another run's): its axes leave the old run's range, and it says why it is empty. */
  clear(why = 'No metrics yet'): void {
    for (const d of this.data) d.length = 0;
    this.plot.setData(this.data as uPlot.AlignedData);
    // With no data uPlot keeps the last range.
    this.plot.setScale('x', { min: 0, max: 1 });
    this.showEmpty(why);
  }

  private showEmpty(why: string): void {
    this.parent.dataset.empty = why;
    this.parent.classList.add('empty');
  }

  setSize(width: number, height: number): void {
    this.plot.setSize({ width, height });
  }
}
