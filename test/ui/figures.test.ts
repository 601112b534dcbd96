/** Where figures go: the display (a notebook's outputs, any program-set display), named files, the default folder. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tf, Recorder, showBatch, showFigure, setFigureDisplay, figureDisplay, TensorDataset, DataLoader, DataBunch, type Figure } from '../../src/index.js';
import { lineChart } from '../../src/plot/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-figures-'));
const PNG = [0x89, 0x50, 0x4e, 0x47];

/** A display that keeps what it was shown. */
function recording(): { shown: Figure[]; show(f: Figure): void } {
  const shown: Figure[] = [];
  return { shown, show: (f: Figure) => void shown.push(f) };
}

/** A recorder with a few losses and learning rates, as after a fit. */
function recorded(): Recorder {
  const r = new Recorder();
  r.losses = [2.3, 1.5, 1.1, 0.9];
  r.lrs = [[0.1, 0.2, 0.3, 0.4]];
  return r;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  setFigureDisplay(undefined);
  vi.restoreAllMocks();
  delete process.env.TFAI_FIGURE_DIR;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('figures', () => {
  it('outside a notebook there is no display', () => {
    expect(figureDisplay()).toBeNull();
  });

  it('with a display, a plot without a folder is shown and writes nothing', async () => {
    const d = recording();
    setFigureDisplay(d);
    process.env.TFAI_FIGURE_DIR = join(tmp, 'never');
    expect(await recorded().plotLoss({ title: 'shown' })).toBeUndefined();
    expect(d.shown).toHaveLength(1);
    expect(d.shown[0].name).toBe('loss');
    expect(d.shown[0].svg).toMatch(/^<svg[\s\S]*>shown<\/text>[\s\S]*<\/svg>\s*$/);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  it('with a display and a folder, the plot is shown and written', async () => {
    const d = recording();
    setFigureDisplay(d);
    const dir = join(tmp, 'both');
    const saved = await recorded().plotLr(dir);
    expect(d.shown.map((f) => f.name)).toEqual(['lr']);
    expect(saved.svg).toBe(join(dir, 'lr.svg'));
    expect([...readFileSync(saved.png).subarray(0, 4)]).toEqual(PNG);
    expect(readFileSync(saved.svg, 'utf8')).toBe(d.shown[0].svg);
  });

  it('a script without a display writes into TFAI_FIGURE_DIR, numbering a name used twice, and says where', async () => {
    setFigureDisplay(null);
    const dir = join(tmp, 'default');
    process.env.TFAI_FIGURE_DIR = dir;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const rec = recorded();
    const a = await rec.plotLoss();
    const b = await rec.plotLoss();
    expect(a?.png).toBe(join(dir, 'loss.png'));
    expect(b?.png).toBe(join(dir, 'loss-2.png'));
    expect(readdirSync(dir).sort()).toEqual(['loss-2.png', 'loss-2.svg', 'loss.png', 'loss.svg']);
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([`figure: ${join(dir, 'loss.png')} (and .svg)`, `figure: ${join(dir, 'loss-2.png')} (and .svg)`]);
  });

  it('showFigure shows any SVG, writes the named file, and refuses what is not SVG', async () => {
    const d = recording();
    setFigureDisplay(d);
    const svg = lineChart({ title: 'mine', xLabel: 'x', yLabel: 'y', series: [{ name: 's', x: [0, 1, 2], y: [1, 0, 1] }] });
    expect(await showFigure(svg, { name: 'mine' })).toBeUndefined();
    const file = join(tmp, 'one', 'mine.png');
    expect((await showFigure(svg, { file }))?.file).toBe(file);
    expect([...readFileSync(file).subarray(0, 4)]).toEqual(PNG);
    expect(d.shown.map((f) => f.name)).toEqual(['mine', 'figure']);
    await expect(showFigure('not a picture')).rejects.toThrow('showFigure: svg must be SVG markup');
    await expect(showFigure(svg, { dir: tmp, file })).rejects.toThrow('showFigure: give dir or file, not both');
  });

  it('showBatch with a path writes that file; without one it is shown', async () => {
    const x = tf.randomUniform([4, 8, 8, 1]);
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const dl = new DataLoader(new TensorDataset(x, y), { bs: 4 });
    const bunch = new DataBunch(dl, dl, 4);
    const file = join(tmp, 'batch', 'b.png');
    expect(await showBatch(bunch, file, { n: 4 })).toMatchObject({ n: 4 });
    expect([...readFileSync(file).subarray(0, 4)]).toEqual(PNG);
    const d = recording();
    setFigureDisplay(d);
    await showBatch(bunch, { n: 2, title: 'two' });
    expect(d.shown.map((f) => f.name)).toEqual(['batch']);
    expect(d.shown[0].svg).toContain('>two</text>');
    bunch.dispose();
  });
});
