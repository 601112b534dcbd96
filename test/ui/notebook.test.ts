/**
 * tfai inside a notebook kernel, with tslab's display functions stood in for: figures become PNG
 * (or SVG) outputs, progress one HTML output updated in place. (The real kernel runs in the jupyter
 * suite: test/notebooks.test.ts.)
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  tf, Runner, AvgStatsCallback, ProgressCallback, Recorder, accuracy, lrFind, notebookKernel, notebookFigureDisplay,
  setFigureDisplay, figureDisplay, NotebookFigureDisplay,
} from '../../src/index.js';
import { progressHtml } from '../../src/ui/progress-html.js';
import { tinyLearner } from '../helpers/tiny.js';

type Sent = { id: number | null; mime: string; data: string | Uint8Array };

/** A stand-in for tslab: `globalThis.__tslab__.require('tslab')` with `display` and `newDisplay()`. */
function fakeKernel(): Sent[] {
  const sent: Sent[] = [];
  let next = 0;
  const display = (id: number | null) => ({
    html: (s: string) => void sent.push({ id, mime: 'text/html', data: s }),
    svg: (s: string) => void sent.push({ id, mime: 'image/svg+xml', data: s }),
    png: (b: Uint8Array) => void sent.push({ id, mime: 'image/png', data: b }),
    text: (s: string) => void sent.push({ id, mime: 'text/plain', data: s }),
  });
  const tslab = { versions: { tslab: '1.0.22' }, display: display(null), newDisplay: () => display(next++) };
  (globalThis as Record<string, unknown>).__tslab__ = { require: (id: string) => (id === 'tslab' ? tslab : undefined) };
  setFigureDisplay(undefined); // detect again
  return sent;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  delete (globalThis as Record<string, unknown>).__tslab__;
  setFigureDisplay(undefined);
});

describe('in a notebook kernel', () => {
  it('finds the kernel through globalThis.__tslab__, and nothing without it', () => {
    expect(notebookKernel()).toBeNull();
    fakeKernel();
    expect(notebookKernel()?.name).toBe('tslab 1.0.22');
    expect(figureDisplay()).toBeInstanceOf(NotebookFigureDisplay);
  });

  it('shows a plot as a PNG output of the cell, writing no file', async () => {
    const sent = fakeKernel();
    const rec = new Recorder();
    rec.losses = [2, 1, 0.5];
    expect(await rec.plotLoss()).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0].mime).toBe('image/png');
    expect([...(sent[0].data as Uint8Array).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('shows SVG markup when asked for vector figures', async () => {
    const sent = fakeKernel();
    setFigureDisplay(notebookFigureDisplay({ format: 'svg' }));
    const rec = new Recorder();
    rec.lrs = [[0.1, 0.2]];
    await rec.plotLr();
    expect(sent.map((s) => s.mime)).toEqual(['image/svg+xml']);
    expect(String(sent[0].data)).toMatch(/^<svg /);
  });

  it('lrFind draws its plot in a notebook (and not in a script)', async () => {
    await lrFind(tinyLearner(), { maxIter: 10 });
    const sent = fakeKernel();
    await lrFind(tinyLearner(), { maxIter: 10 });
    await lrFind(tinyLearner(), { maxIter: 10, showPlot: false });
    expect(sent.map((s) => s.mime)).toEqual(['image/png']);
  });

  it('ProgressCallback draws one HTML output, updated in place, ending with the table of epochs', async () => {
    const sent = fakeKernel();
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ throttleMs: 0 })] }).fit(3, tinyLearner());
    expect(sent.length).toBeGreaterThan(6); // start, bars during the phases, one row per epoch, close
    expect(new Set(sent.map((s) => `${s.id} ${s.mime}`))).toEqual(new Set(['0 text/html']));
    const last = String(sent.at(-1)?.data);
    expect(last).not.toMatch(/[\x00-\x08\x0b-\x1f]/); // no terminal control characters
    const rows = [...last.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]));
    expect(rows[0]).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    expect(rows).toHaveLength(4);
    rows.slice(1).forEach((cells, e) => {
      expect(cells[0]).toBe(String(e));
      expect(Number(cells[1])).toBeCloseTo(stats.history[e].train[0], 5);
      expect(Number(cells[3])).toBeCloseTo(stats.history[e].valid[1], 5);
      expect(cells[4]).toMatch(/^\d\d:\d\d$/);
    });
    // the epoch bar stays, complete; the batch bar is gone
    expect(last).toMatch(/<progress value="3" max="3"[^>]*><\/progress><code>epoch +3\/3 100% \[\d\d:\d\d&lt;00:00\]<\/code>/);
    expect(last).not.toMatch(/<code>(train|valid) /);
    // while training, a batch bar with its running numbers was shown
    expect(sent.some((s) => /<code>train +\d+\/\d+ +\d+% \[\d\d:\d\d&lt;(--|\d\d:\d\d), [^\]]+\]/.test(String(s.data)))).toBe(true);
  });

  it('an explicit stream keeps the text table, even in a kernel', async () => {
    const sent = fakeKernel();
    let text = '';
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback({ stream: { write: (c: string) => (text += c) } })] }).fit(1, tinyLearner());
    expect(sent).toEqual([]);
    expect(text).toMatch(/^epoch +train_loss +valid_loss +accuracy +time\n0 +\d/);
  });

  it('the HTML escapes what it shows', () => {
    const now = { epoch: { label: 'epoch', done: 1, total: 2, elapsed: 3, eta: 3 }, batch: { label: 'train', done: 2, total: 4, elapsed: 1, eta: undefined, rate: 2, metrics: { 'a<b & "c"': 0.5 } } };
    const html = progressHtml({ now, columns: ['<x>'], rows: [['1&2']], messages: ['<script>'] });
    expect(html).toContain('a&lt;b &amp; &quot;c&quot; 0.5000');
    expect(html).toContain('<progress value="1" max="2"');
    expect(html).toContain('<code>epoch 1/2  50% [00:03&lt;00:03]</code>');
    expect(html).toContain('<code>train 2/4  50% [00:01&lt;--, 2.00 it/s]');
    expect(html).toContain('&lt;x&gt;');
    expect(html).toContain('1&amp;2');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });
});
