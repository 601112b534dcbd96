import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, AvgStatsCallback, ProgressCallback, accuracy } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';
import { ProgressStream, formatTime } from '../../src/callbacks/progress.js';

/** A stream that collects what is written. */
function fakeStream(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    text: '',
    isTTY,
    columns: 100,
    write(chunk: string): boolean {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ProgressCallback', () => {
  it('prints a header and one plain row per epoch when the stream is not a TTY', async () => {
    const out = fakeStream(false);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ stream: out })] }).fit(3, tinyLearner());
    expect(out.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/); // no ESC, no CR, nothing but text and \n
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(/\s+/)).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(/\s+/);
      expect(cells).toHaveLength(5);
      expect(cells[0]).toBe(String(e));
      expect(Number(cells[1])).toBeCloseTo(stats.history[e].train[0], 5);
      expect(Number(cells[2])).toBeCloseTo(stats.history[e].valid[0], 5);
      expect(Number(cells[3])).toBeCloseTo(stats.history[e].valid[1], 5);
      expect(cells[4]).toMatch(/^\d\d:\d\d$/);
    });
  });

  it('without AvgStatsCallback prints epoch and time only', async () => {
    const out = fakeStream(false);
    await new Runner({ cbs: [new ProgressCallback({ stream: out })] }).fit(2, tinyLearner());
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/).length)).toEqual([2, 2, 2]);
    expect(lines[0]).toMatch(/^epoch\s+time$/);
  });

  it('draws bars in a TTY, with the table rows above them, and stops cleanly', async () => {
    const out = fakeStream(true);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(2, tinyLearner());
    const plain = out.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n'); // cursor moves separate lines
    expect(plain).toMatch(/epoch\s+train_loss\s+valid_loss\s+accuracy\s+time/);
    expect(plain).toMatch(/epoch \|.*\| 2\/2/);
    expect(plain).toMatch(/train \|.*\| \d\/4 \| loss \d+\.\d{4} \| ETA/);
    expect(plain).toMatch(/\n1\s+\d+\.\d{6}/); // the row of epoch 1
  });

  it('formats times as fastai does', () => {
    expect(formatTime(5.4)).toBe('00:05');
    expect(formatTime(125)).toBe('02:05');
    expect(formatTime(3725)).toBe('1:02:05');
  });
});
