/** CSVLogger: header from the published metric names, one row per epoch, append. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, AvgStatsCallback, CSVLogger, accuracy, f1Score } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-csv-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const rows = async (file: string): Promise<string[][]> => (await fs.readFile(file, 'utf8')).trimEnd().split('\n').map((l) => l.split(','));

describe('CSVLogger', () => {
  it('one row per epoch with every named epoch metric, the epoch time and the wall time', async () => {
    const file = path.join(root, 'sub', 'history.csv');
    const stats = new AvgStatsCallback([accuracy, f1Score()], { print: false });
    const run = new Runner({ cbs: [stats, new CSVLogger({ path: file })], handleInterrupts: false });
    const before = Date.now();
    await run.fit(3, tinyLearner());
    const [header, ...body] = await rows(file);
    expect(header).toEqual(['epoch', 'train_loss', 'train_accuracy', 'train_f1_score', 'valid_loss', 'valid_accuracy', 'valid_f1_score', 'time', 'wall_time']);
    expect(body).toHaveLength(3);
    body.forEach((r, i) => {
      const h = stats.history[i];
      expect(Number(r[0])).toBe(i);
      expect(r.slice(1, 7).map(Number)).toEqual([...h.train, ...h.valid]); // full precision, the same numbers
      expect(Number(r[7])).toBeGreaterThan(0);
      const t = Date.parse(r[8]);
      expect(t).toBeGreaterThanOrEqual(before - 1000);
      expect(t).toBeLessThanOrEqual(Date.now());
    });
  });

  it('append adds rows under a matching header; a different header is an error naming both', async () => {
    const file = path.join(root, 'append.csv');
    const cbs = (append: boolean) => [new AvgStatsCallback([], { print: false }), new CSVLogger({ path: file, append })];
    await new Runner({ cbs: cbs(false), handleInterrupts: false }).fit(2, tinyLearner());
    await new Runner({ cbs: cbs(true), handleInterrupts: false }).fit(1, tinyLearner());
    const r = await rows(file);
    expect(r.map((x) => x[0])).toEqual(['epoch', '0', '1', '0']);
    await new Runner({ cbs: cbs(false), handleInterrupts: false }).fit(1, tinyLearner());
    expect(await rows(file)).toHaveLength(2); // append: false starts anew
    const other = new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new CSVLogger({ path: file, append: true })], handleInterrupts: false });
    await expect(other.fit(1, tinyLearner())).rejects.toThrow(/CSVLogger: .*append\.csv has columns 'epoch,train_loss,valid_loss,time,wall_time' but this fit logs 'epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,time,wall_time'/);
    expect(() => new CSVLogger({ path: '' })).toThrow(/CSVLogger: path \(the CSV file\) is required/);
  });
});
