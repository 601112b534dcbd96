/** The terminal progress display's parts: text formatting, the rate meter, the redrawn block of lines. */
import { describe, expect, it } from 'vitest';
import { VTScreen } from '../helpers/vt-screen.js';
import { bar, barLine, formatEta, formatMetrics, formatRate, formatTime } from '../../src/ui/progress-format.js';
import { RateMeter } from '../../src/ui/rate-meter.js';
import { LiveLines } from '../../src/ui/live-lines.js';

describe('progress formatting', () => {
  it('formats times as fastai does', () => {
    expect(formatTime(5.4)).toBe('00:05');
    expect(formatTime(125)).toBe('02:05');
    expect(formatTime(3725)).toBe('1:02:05');
  });

  it('an unknown ETA or rate reads --, never 0', () => {
    expect(formatEta(undefined)).toBe('--');
    expect(formatEta(Infinity)).toBe('--');
    expect(formatEta(0)).toBe('00:00');
    expect(formatRate(undefined)).toBe('-- it/s');
    expect(formatRate(0)).toBe('-- it/s');
  });

  it('shows it/s at a batch a second or faster, s/it below', () => {
    expect(formatRate(2.4142)).toBe('2.41 it/s');
    expect(formatRate(31.25)).toBe('31.3 it/s');
    expect(formatRate(250)).toBe('250 it/s');
    expect(formatRate(0.5)).toBe('2.00 s/it');
  });

  it('draws bars with eighth-cell resolution, always `width` cells', () => {
    expect(bar(0, 4)).toBe('░░░░');
    expect(bar(1, 4)).toBe('████');
    expect(bar(0.5, 4)).toBe('██░░');
    expect(bar(0.5 + 1 / 8, 4)).toBe('██▌░');
    expect(bar(0.5 + 1 / 16, 4)).toBe('██▎░');
    expect(bar(2, 3)).toBe('███');
    for (let f = 0; f <= 1; f += 0.01) expect([...bar(f, 7)]).toHaveLength(7);
  });

  it('fits a bar line into columns - 1, shrinking the bar, then dropping it, then cutting the end', () => {
    const parts = { label: 'train', done: 5, total: 16, elapsed: 1, eta: 3, rate: 2.5, showRate: true, extra: formatMetrics({ loss: 0.14721, accuracy: 0.9551 }) };
    expect(barLine(parts, 200)).toBe(`train  5/16 ${bar(5 / 16, 30)}  31% [00:01<00:03, 2.50 it/s] loss 0.1472  accuracy 0.9551`);
    for (const cols of [20, 40, 60, 80, 100]) expect(barLine(parts, cols).length).toBeLessThanOrEqual(cols - 1);
    expect(barLine(parts, 80)).toMatch(/^train  5\/16 [█▏▎▍▌▋▊▉░]{8,} +31% /);
    expect(barLine({ ...parts, extra: '' }, 42)).toBe('train  5/16  31% [00:01<00:03, 2.50 it/s]');
  });
});

describe('RateMeter', () => {
  it('is unknown until a sample saw a unit finish', () => {
    const m = new RateMeter();
    m.start(0);
    m.sample(500);
    expect(m.rate).toBeUndefined();
    expect(m.eta(10)).toBeUndefined();
    m.tick();
    m.sample(1000);
    expect(m.rate).toBeCloseTo(1, 10);
    expect(m.eta(10)).toBeCloseTo(10, 10);
  });

  it('follows the recent rate: a slow first batch is forgotten within a few samples', () => {
    const m = new RateMeter();
    m.start(0);
    m.tick();
    let t = 5000; // first batch: 5 s (compilation)
    m.sample(t);
    for (let k = 0; k < 12; k++) {
      m.tick(4);
      t += 1000; // then 4 batches a second
      m.sample(t);
    }
    expect(m.rate).toBeGreaterThan(3.9);
    expect(m.rate).toBeLessThanOrEqual(4);
    // The mean since the start would still say (1 + 48) / 17 s ≈ 2.9 it/s.
  });

  it('rejects a smoothing outside (0, 1]', () => {
    expect(() => new RateMeter(0)).toThrow(/smoothing/);
    expect(() => new RateMeter(1.5)).toThrow(/smoothing/);
  });
});

describe('LiveLines', () => {
  it('redraws in place, prints above, and shrinks without leftovers', () => {
    const vt = new VTScreen(40, 10);
    const live = new LiveLines({ write: (s: string) => vt.feed(s) });
    live.draw(['a long first bar line ..........', 'second bar line ..........']);
    live.draw(['short', 'x']);
    expect(vt.lines()).toEqual(['short', 'x']);
    live.print('row 0', ['bar', 'batch bar']);
    live.print('row 1\nrow 2', ['bar 2']);
    expect(vt.lines()).toEqual(['row 0', 'row 1', 'row 2', 'bar 2']);
    live.close(['done']);
    expect(vt.lines()).toEqual(['row 0', 'row 1', 'row 2', 'done']);
    expect(vt.cursor).toEqual({ row: 4, col: 0 });
  });
});
