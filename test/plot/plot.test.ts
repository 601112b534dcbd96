import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  heatmapGrid,
  heatmapImage,
  lineChart,
  multiPanelLineChart,
  saveFigure,
  svgToPng,
  type Series,
} from '../../src/plot/index.js';
import { formatLogTicks, linearTicks, logTicks } from '../../src/plot/scale.js';

/** Texts of all <text> elements, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
  );
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk (which must come first). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const xs = Array.from({ length: 50 }, (_, i) => i + 1);
const two: Series[] = [
  { name: 'train loss', x: xs, y: xs.map((i) => 2 / i) },
  { name: 'valid loss', x: xs, y: xs.map((i) => 2.2 / i + 0.1) },
];

describe('lineChart', () => {
  it('renders title, axis labels, tick labels and a legend for several series', () => {
    const svg = lineChart({ title: 'Loss curve', xLabel: 'iteration', yLabel: 'loss', series: two });
    expect(svg.startsWith('<svg')).toBe(true);
    const t = texts(svg);
    expect(t).toContain('Loss curve');
    expect(t).toContain('iteration');
    expect(t).toContain('loss');
    expect(t).toContain('train loss');
    expect(t).toContain('valid loss');
    expect(t.filter((s) => /^-?[\d.]+$/.test(s)).length).toBeGreaterThan(6); // tick labels
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('class="legend"');
    expect(svg).toMatch(/width="640" height="400"/);
  });

  it('has no legend for a single series and honours width/height', () => {
    const svg = lineChart({ title: 'T', xLabel: 'x', yLabel: 'y', series: [two[0]], width: 500, height: 300 });
    expect(svg).not.toContain('class="legend"');
    expect(svg).toMatch(/width="500" height="300"/);
  });

  it('drops NaN and Infinity points instead of throwing', () => {
    const series: Series[] = [{ name: 'a', x: [1, 2, 3, 4, 5], y: [1, NaN, 3, Infinity, -Infinity] }];
    const svg = lineChart({ title: 'Dropped points', xLabel: 'x', yLabel: 'y', series });
    const points = /<polyline[^>]*points="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(points.trim().split(/\s+/)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('renders "no data" when nothing is drawable', () => {
    const svg = lineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [1], y: [NaN] }] });
    expect(texts(svg)).toContain('no data');
    expect(lineChart({ title: 'none', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });

  it('uses log ticks on a log axis and drops non-positive values there', () => {
    const lrs = Array.from({ length: 30 }, (_, i) => 1e-6 * 10 ** (i / 5));
    const svg = lineChart({
      title: 'LR finder',
      xLabel: 'learning rate',
      yLabel: 'loss',
      logX: true,
      series: [{ name: 'loss', x: [0, -1, ...lrs], y: [1, 1, ...lrs.map((_, i) => 3 - i / 20)] }],
    });
    expect(texts(svg)).toEqual(expect.arrayContaining(['10⁻⁶', '10⁻⁴', '10⁻²']));
    const points = /<polyline[^>]*points="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(points.trim().split(/\s+/)).toHaveLength(30);
  });

  it('escapes XML special characters', () => {
    const svg = lineChart({ title: 'a < b & "c"', xLabel: 'x>', yLabel: 'y', series: two });
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(texts(svg)).toContain('a < b & "c"');
    expect(() => svgToPng(svg)).not.toThrow();
  });
});

describe('multiPanelLineChart', () => {
  it('renders the figure title and every panel title and label', () => {
    const svg = multiPanelLineChart({
      title: 'Layer stats',
      panels: [
        { title: 'means', xLabel: 'iteration', yLabel: 'mean', series: two },
        { title: 'stds', xLabel: 'iteration', yLabel: 'std', series: two, logX: true },
        { title: 'accuracy', xLabel: 'epoch', yLabel: 'acc', series: [{ name: 'acc', x: [1, 2], y: [0.5, NaN] }] },
      ],
      columns: 2,
    });
    const t = texts(svg);
    for (const s of ['Layer stats', 'means', 'stds', 'accuracy', 'iteration', 'epoch', 'mean', 'std', 'acc']) {
      expect(t).toContain(s);
    }
    expect(svg.match(/class="panel"/g)).toHaveLength(3);
    expect(pngSize(svgToPng(svg)).width).toBe(2 * 460 + 20);
  });
});

describe('heatmaps', () => {
  const matrix = Array.from({ length: 40 }, (_, bin) =>
    Array.from({ length: 100 }, (_, it) => Math.round(1000 * Math.exp(-((bin - it / 5) ** 2) / 8))),
  );

  it('heatmapImage handles a 40x100 matrix with title, labels and colour bar', () => {
    const svg = heatmapImage({ title: 'Histogram', matrix, xLabel: 'iteration', yLabel: 'bin' });
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['Histogram', 'iteration', 'bin', 'log1p(count)']));
    expect(svg).toContain('class="cells"');
    expect(svg).toContain('class="colorbar"');
    const { width, height } = pngSize(svgToPng(svg));
    expect([width, height]).toEqual([640, 400]);
  });

  it('draws row 0 (the lowest bin) at the bottom', () => {
    const m = [[10, 10], [0, 0]]; // only the lowest bin is populated
    const svg = heatmapImage({ title: 'o', matrix: m, xLabel: 'x', yLabel: 'y', logScale: false });
    const paths = [...svg.matchAll(/<path fill="(#[0-9a-f]{6})" d="M[\d.]+ ([\d.]+)/g)].map((p) => ({
      color: p[1],
      y: Number(p[2]),
    }));
    expect(paths).toHaveLength(2);
    const bright = paths.find((p) => p.color === '#fde725'); // top of viridis = largest count
    const dark = paths.find((p) => p.color === '#440154');
    expect(bright && dark && bright.y > dark.y).toBe(true);
  });

  it('heatmapGrid renders every panel and copes with empty or ragged matrices', () => {
    const svg = heatmapGrid({
      title: 'Activation histograms',
      panels: [
        { title: 'layer 0', matrix },
        { title: 'layer 1', matrix: [] },
        { title: 'layer 2', matrix: [[1], [2, NaN, 3]] },
      ],
    });
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['Activation histograms', 'layer 0', 'layer 1', 'layer 2', 'no data']));
    expect(svg.match(/class="panel heatmap"/g)).toHaveLength(3);
    expect(() => svgToPng(svg)).not.toThrow();
  });

  it('labels the y axis in the values of yRange (e.g. activations) and gives each grid panel a colour bar', () => {
    const svg = heatmapGrid({ title: 'h', yLabel: 'activation', panels: [{ title: 'a', matrix, yRange: [-2, 8] }, { title: 'b', matrix: matrix.map((r) => r.map((v) => v * 100)), yRange: [0, 10] }] });
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['activation', 'log1p(count)']));
    // y tick labels (right-aligned) in activation units, not bin indices 0…40
    const yTicks = [...svg.matchAll(/<text[^>]*text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(yTicks).toEqual(expect.arrayContaining(['-2', '8', '10']));
    expect(yTicks).not.toContain('40');
    expect(svg.match(/class="colorbar"/g)).toHaveLength(2);
    // each bar is labelled on its own panel's range: log1p(1000) ≈ 6.9 and log1p(100000) ≈ 11.5
    const bars = [...svg.matchAll(/<g class="colorbar">(.*?)<\/g>/g)].map((m) => texts(m[1]).map(Number).filter(Number.isFinite));
    expect(Math.max(...bars[0])).toBeLessThanOrEqual(7);
    expect(Math.max(...bars[1])).toBeGreaterThanOrEqual(10);
    expect(heatmapGrid({ title: 'h', colorbar: false, panels: [{ title: 'a', matrix }] })).not.toContain('class="colorbar"');
    expect(() => heatmapImage({ title: 'x', matrix, xLabel: 'i', yLabel: 'v', yRange: [3, 3] })).toThrow('heatmap: yRange must be two finite numbers lo < hi, got [3,3]');
  });
});

describe('svgToPng', () => {
  const textSvg = (s: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="28" font-size="20" font-family="sans-serif">${s}</text></svg>`;

  it('renders text (a font is available without system fonts)', () => {
    const withText = svgToPng(textSvg('Hello'));
    const blank = svgToPng(textSvg(''));
    expect(Buffer.compare(Buffer.from(withText), Buffer.from(blank))).not.toBe(0);
  });

  it('scales to a requested width and rejects bad widths and bad SVG', () => {
    const svg = lineChart({ title: 'T', xLabel: 'x', yLabel: 'y', series: two });
    expect(pngSize(svgToPng(svg, { width: 1280 }))).toEqual({ width: 1280, height: 800 });
    expect(() => svgToPng(svg, { width: 0 })).toThrow(RangeError);
    expect(() => svgToPng('not svg')).toThrow();
  });
});

describe('saveFigure', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes <dir>/<name>.svg and a valid PNG, creating the directory', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tfai-plot-'));
    dirs.push(root);
    const dir = path.join(root, 'nested', 'plots');
    const svg = lineChart({ title: 'Saved', xLabel: 'x', yLabel: 'y', series: two });
    const out = await saveFigure(svg, dir, 'loss');
    expect(out).toEqual({ svg: path.join(dir, 'loss.svg'), png: path.join(dir, 'loss.png') });
    expect(path.isAbsolute(out.svg) && path.isAbsolute(out.png)).toBe(true);
    expect(await readFile(out.svg, 'utf8')).toBe(svg);
    const { width, height } = pngSize(new Uint8Array(await readFile(out.png)));
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
    expect((await readdir(dir)).sort()).toEqual(['loss.png', 'loss.svg']); // no temp files left
  });

  it('returns absolute paths for a relative dir and rejects names with separators', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tfai-plot-'));
    dirs.push(root);
    const rel = path.relative(process.cwd(), path.join(root, 'rel'));
    const svg = heatmapImage({ title: 'h', matrix: [[1, 2], [3, 4]], xLabel: 'x', yLabel: 'y' });
    const out = await saveFigure(svg, rel, 'heat');
    expect(out.png).toBe(path.join(root, 'rel', 'heat.png'));
    await expect(saveFigure(svg, root, '../escape')).rejects.toThrow(/plain file name/);
    await expect(saveFigure('garbage', root, 'bad')).rejects.toThrow();
    expect((await readdir(root)).sort()).toEqual(['rel']);
  });
});

describe('scale helpers', () => {
  it('chooses nice linear ticks', () => {
    expect(linearTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-0.04, 1.04, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('chooses log ticks: decades, 1-2-5 for short ranges, and superscript labels for wide ones', () => {
    expect(logTicks(1e-7, 10, 5)).toEqual([1e-6, 1e-4, 0.01, 1]);
    expect(logTicks(0.01, 0.5, 5)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(formatLogTicks([1e-6, 1e-4, 0.01, 1])).toEqual(['10⁻⁶', '10⁻⁴', '10⁻²', '10⁰']);
    expect(formatLogTicks([0.01, 0.1, 1, 10])).toEqual(['0.01', '0.1', '1', '10']);
  });
});
