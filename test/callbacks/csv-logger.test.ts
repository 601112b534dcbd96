/** CSVLogger: header from the published metric names, one row per epoch, append. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, AvgStatsCallback, CSVLogger, CheckpointCallback, accuracy, f1Score } from '../../src/index.js';
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

  it('two CSVLoggers on one file are refused at beginFit, naming the file (also across two concurrent fits)', async () => {
    const file = path.join(root, 'twice.csv');
    const run = new Runner({ cbs: [new AvgStatsCallback([], { print: false }), new CSVLogger({ path: file }), new CSVLogger({ path: path.join(root, '.', 'twice.csv') })], handleInterrupts: false, log: () => {} });
    await expect(run.fit(1, tinyLearner())).rejects.toThrow(`CSVLogger: '${file}' is already being written by another CSVLogger (two loggers on one file would write every row twice); give each its own path`);
    // released when the fit ended: one logger on it works again
    await new Runner({ cbs: [new AvgStatsCallback([], { print: false }), new CSVLogger({ path: file })], handleInterrupts: false }).fit(1, tinyLearner());
    expect(await rows(file)).toHaveLength(2);
  });

  it('a resumed fit continues the file: rows of the epochs before the checkpoint are kept, later ones replaced, and it says so', async () => {
    const file = path.join(root, 'resume.csv');
    const dir = path.join(root, 'resume-ckpt');
    class StopAfter extends Callback {
      override order = 100;
      constructor(readonly epoch: number) {
        super();
      }
      override afterEpoch(): void {
        if (this.run.epoch === this.epoch) this.run.requestInterrupt();
      }
    }
    const cbs = (extra: Callback[], csv: CSVLogger) => [new AvgStatsCallback([], { print: false }), csv, new CheckpointCallback({ dir, log: () => {} }), ...extra];
    await new Runner({ cbs: cbs([new StopAfter(1)], new CSVLogger({ path: file })), handleInterrupts: false, log: () => {} }).fit(4, tinyLearner());
    expect((await rows(file)).map((r) => r[0])).toEqual(['epoch', '0', '1']);
    // a row the checkpoint does not cover (a crash between the CSV row and the checkpoint)
    await fs.appendFile(file, '2,9,9,9,2024-01-01T00:00:00.000Z\n');
    const lines: string[] = [];
    const csv = new CSVLogger({ path: file, log: (l) => lines.push(l) });
    await new Runner({ cbs: cbs([], csv), handleInterrupts: false, log: () => {} }).fit(4, tinyLearner(), { resume: dir });
    expect((await rows(file)).map((r) => r[0])).toEqual(['epoch', '0', '1', '2', '3']);
    expect(lines.join('\n')).toMatch(/CSVLogger: the fit resumes at epoch 2: continuing '.*resume\.csv' after its rows of epochs 0–1 \(1 later row removed\)/);
    // append: false while resuming would overwrite those rows: refused
    const refuse = new Runner({ cbs: cbs([], new CSVLogger({ path: file, append: false })), handleInterrupts: false, log: () => {} });
    await expect(refuse.fit(5, tinyLearner(), { resume: dir })).rejects.toThrow(/CSVLogger: this fit resumes from a checkpoint, but append: false would overwrite the rows .*resume\.csv.*leave append unset/);
    expect((await rows(file)).map((r) => r[0])).toEqual(['epoch', '0', '1', '2', '3']);
  });
});
