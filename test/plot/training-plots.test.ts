import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Recorder, AvgStatsCallback, ParamScheduler, LRFinder, accuracy, schedLin } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';
import { plotLoss, plotLr, plotLrFind, plotMetrics } from '../../src/plot/training-plots.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'tfai-recplots-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Texts of all <text> elements of an SVG file. */
async function texts(file: string): Promise<string[]> {
  const svg = await readFile(file, 'utf8');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

async function isPng(file: string): Promise<boolean> {
  const b = await readFile(file);
  return b.length > 1000 && b.subarray(1, 4).toString() === 'PNG';
}

describe('Recorder plots', () => {
  it('plotLr, plotLoss and plotMetrics write labelled SVG + PNG files (also as Recorder methods)', async () => {
    const run = new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new Recorder(), new ParamScheduler('lr', schedLin(0.01, 0.3))] });
    await run.fit(3, tinyLearner());
    const rec = run.cb(Recorder);

    const lr = await rec.plotLr(dir);
    expect(path.basename(lr.svg)).toBe('lr.svg');
    expect(await isPng(lr.png)).toBe(true);
    expect(await texts(lr.svg)).toEqual(expect.arrayContaining(['iteration', 'learning rate']));

    const loss = await rec.plotLoss(dir, { skipLast: 2 });
    expect(await isPng(loss.png)).toBe(true);
    expect(await texts(loss.svg)).toEqual(expect.arrayContaining(['iteration', 'loss']));

    const m = await rec.plotMetrics(dir);
    expect(await isPng(m.png)).toBe(true);
    const t = await texts(m.svg);
    expect(t).toEqual(expect.arrayContaining(['epoch', 'loss', 'accuracy', 'train loss', 'valid loss', 'train accuracy', 'valid accuracy']));
  });

  it('plotLrFind draws loss against lr on a log axis with the suggestion; Recorder.plotLrFind after an LRFinder run', async () => {
    const rec = new Recorder();
    await new Runner({ cbs: [new LRFinder({ minLr: 1e-4, maxLr: 10, maxIter: 30 }), rec] }).fit(10, tinyLearner());
    const f = await rec.plotLrFind(dir, { name: 'sweep' });
    expect(path.basename(f.png)).toBe('sweep.png');
    const t = await texts(f.svg);
    expect(t).toEqual(expect.arrayContaining(['learning rate (log scale) — last 5 batches not shown', 'loss', 'loss (smoothed)', 'loss (raw)']));
    expect(t.some((s) => s.startsWith('steepest slope: '))).toBe(true);
  });

  it('plotLrFind as fastai: the last batches left out, the y range from the useful part, the suggestions as markers on the curve', async () => {
    // a sweep whose smoothed loss falls from 2.4 to 1.8, then rises to 23; the raw loss ends at 866
    const n = 100;
    const lrs = Array.from({ length: n }, (_, i) => 1e-7 * 10 ** ((8 * i) / (n - 1)));
    const smooth = lrs.map((_, i) => (i < 90 ? 2.4 - (0.6 * i) / 90 : 1.8 + (i - 90) ** 3 / 46));
    const losses = smooth.map((v, i) => (i < 80 ? v : i < 95 ? v - 1 + (i - 80) * 0.3 : 10 ** (i - 95)));
    const f = await plotLrFind({ lrs, losses, smoothLosses: smooth, suggestion: lrs[60], minLossLr: lrs[89] / 10 }, dir, { name: 'fastai-like' });
    const svg = await readFile(f.svg, 'utf8');
    const t = await texts(f.svg);
    expect(t).toContain('learning rate (log scale) — last 5 batches not shown');
    // y ticks span the useful part only: nothing near the exploded tail
    const yTicks = [...svg.matchAll(/<text[^>]*text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => Number(m[1])).filter(Number.isFinite);
    expect(Math.max(...yTicks)).toBeLessThan(4); // the shown smoothed loss peaks at 3.2; the whole sweep reaches 866
    expect(Math.min(...yTicks)).toBeGreaterThan(0);
    // the lines are clipped to the plot frame; the shown part has 95 points per line
    expect(svg).toMatch(/<clipPath id="[^"]+"><rect /);
    const lines = [...svg.matchAll(/<polyline class="series"[^>]*points="([^"]*)"/g)].map((m) => m[1].trim().split(/\s+/).length);
    expect(lines).toEqual([95, 95]);
    // one marker each for the suggestion and min-loss/10, labelled with their lr
    expect([...svg.matchAll(/<g class="markers"[^>]*><circle [^>]*r="6"\/><\/g>/g)]).toHaveLength(2);
    expect(t).toEqual(expect.arrayContaining([`steepest slope: ${lrs[60].toPrecision(2)}`, `min loss / 10: ${(lrs[89] / 10).toPrecision(2)}`]));
    await expect(plotLrFind({ lrs, losses }, dir, { skipEnd: -1 })).rejects.toThrow('plotLrFind: skipEnd must be an integer >= 0, got -1');
  });

  it('plain functions accept plain numbers', async () => {
    const lrs = [1e-3, 1e-2, 1e-1, 1];
    const figs = [
      await plotLr({ lrs: [[1, 2, 3], [0.1, 0.2, 0.3]], losses: [] }, dir, { name: 'lr2' }),
      await plotLoss({ lrs: [], losses: [3, 2, 1] }, dir, { name: 'loss2' }),
      await plotLrFind({ lrs, losses: [2, 1.5, 1, 9] }, dir, { name: 'lrf2' }),
      await plotMetrics([{ epoch: 0, train_loss: 1, valid_loss: 1.2, valid_accuracy: 0.5, time: 1 }], dir, { name: 'm2' }),
    ];
    for (const f of figs) expect(await isPng(f.png)).toBe(true);
    expect(await texts(figs[0].svg)).toEqual(expect.arrayContaining(['group 0', 'group 1']));
  });
});
