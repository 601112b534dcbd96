/**
 * Run by the browser unit suite only: a `ProgressCallback` given no renderer draws in the page —
 * into `#tfai-progress` when the page has one, else into a new element at the end of the body —
 * with its bars, the table of epochs and the fit's messages; tfai's figures are added to the page
 * as SVG.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend.js';
import { Runner, ProgressCallback, PageRenderer, PAGE_PROGRESS_ID, PageFigureDisplay, PAGE_FIGURES_ID, setFigureDisplay, showFigure } from '../../src/index.js';
import { lineChart } from '../../src/plot/index.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';

describe('progress in a page', () => {
  beforeAll(async () => {
    await initBackend('cpu', { log: () => {} });
  });

  it('a ProgressCallback with no renderer draws into #tfai-progress: bars, one table row per epoch, messages', async () => {
    const target = document.createElement('section');
    target.id = PAGE_PROGRESS_ID;
    document.body.append(target);
    try {
      const progress = new ProgressCallback({ throttleMs: 0 });
      await new Runner({ cbs: [...trackingCbs().cbs, progress], log: (l) => progress.write(l) }).fit(2, convLearner({ data: convData() }));
      progress.write('done training');
      const columns = Array.from(target.querySelectorAll('thead th'), (th) => th.textContent);
      expect(columns).toEqual(progress.columns);
      expect([columns[0], columns.at(-1)]).toEqual(['epoch', 'time']);
      expect(columns).toEqual(expect.arrayContaining(['train_loss', 'valid_loss']));
      expect(target.querySelectorAll('tbody tr')).toHaveLength(2);
      const bars = target.querySelectorAll('progress');
      expect(bars.length).toBeGreaterThanOrEqual(1);
      expect((bars[0] as HTMLProgressElement).value).toBe((bars[0] as HTMLProgressElement).max);
      expect(target.textContent).toContain('done training');
    } finally {
      target.remove();
    }
  });

  it('without #tfai-progress, each fit draws into an element of its own at the end of the body', async () => {
    const before = document.querySelectorAll('.tfai-progress').length;
    await new Runner({ cbs: [...trackingCbs().cbs, new ProgressCallback()], log: () => {} }).fit(1, convLearner({ data: convData() }));
    const all = document.querySelectorAll('.tfai-progress');
    expect(all.length).toBe(before + 1);
    expect(all[all.length - 1].parentElement).toBe(document.body);
    expect(all[all.length - 1].querySelectorAll('tbody tr')).toHaveLength(1);
  });

  it('a PageRenderer given an element draws there', () => {
    const el = document.createElement('div');
    const r = new PageRenderer(el);
    r.begin({ columns: ['epoch', 'time'], epochs: 1, trainBatches: 3, validBatches: 1 });
    const bar = { label: 'epoch', done: 0, total: 1, elapsed: 0, eta: undefined };
    r.update({ epoch: bar, batch: { ...bar, label: 'train', total: 3, done: 1, rate: 2, metrics: { loss: 0.5 } } });
    expect(el.textContent).toMatch(/train 1\/3 .*loss 0\.5/);
    r.epochRow(['0', '00:01'], { epoch: { ...bar, done: 1 } });
    expect(el.querySelectorAll('tbody tr')).toHaveLength(1);
  });
});

describe('figures in a page', () => {
  it('tfai’s figures go into #tfai-figures with no display set, as SVG, and no file is written', async () => {
    const target = document.createElement('section');
    target.id = PAGE_FIGURES_ID;
    document.body.append(target);
    setFigureDisplay(undefined);
    try {
      const files = await showFigure(lineChart({ title: 'loss', xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'train', x: [1, 2, 3], y: [3, 2, 1] }] }), { name: 'loss' });
      expect(files).toBeUndefined();
      const figures = target.querySelectorAll('figure.tfai-figure');
      expect(figures).toHaveLength(1);
      expect((figures[0] as HTMLElement).dataset.name).toBe('loss');
      expect(figures[0].querySelector('svg')?.textContent).toMatch(/loss/);
      // an element the program names instead
      const own = document.createElement('div');
      setFigureDisplay(new PageFigureDisplay(own));
      await showFigure(lineChart({ title: 'accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: [{ name: 'valid', x: [1, 2], y: [0.5, 0.9] }] }));
      expect(own.querySelectorAll('svg')).toHaveLength(1);
      expect(target.querySelectorAll('svg')).toHaveLength(1);
    } finally {
      setFigureDisplay(undefined);
      target.remove();
    }
  });
});
