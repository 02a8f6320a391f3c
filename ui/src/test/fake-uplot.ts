/** jsdom has no canvas: a stand-in for uPlot that records what it was asked to draw. */
export class FakeUPlot {
  static instances: FakeUPlot[] = [];
  static paths = { bars: () => () => null };
  readonly over = document.createElement('div');
  width: number;
  destroyed = false;
  constructor(
    readonly opts: { width: number; height: number; series: { label?: string }[] },
    readonly data: (number | null)[][],
    readonly target: HTMLElement,
  ) {
    this.width = opts.width;
    const root = document.createElement('div');
    root.className = 'uplot';
    root.append(document.createElement('canvas'), this.over);
    target.append(root);
    FakeUPlot.instances.push(this);
  }
  setSize(s: { width: number }) {
    this.width = s.width;
  }
  setScale() {}
  destroy() {
    this.destroyed = true;
  }
}
