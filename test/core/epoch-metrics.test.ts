/**
 * Named epoch metrics: AvgStatsCallback publishes them in `run.epochMetrics`, and every consumer —
 * progress table, Recorder, checkpoints' `best`, a user's callback — sees the same names and values.
 * Callback state: any callback with getState/setState survives a checkpoint and resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, AvgStatsCallback, Recorder, ProgressCallback, CheckpointCallback, accuracy, type EpochMetrics, type JsonValue } from '../../src/index.js';
import { readCheckpointFiles } from '../../src/io/checkpoint-folder.js';
import { tinyLearner } from '../helpers/tiny.js';
import { convLearner } from '../fixtures/tiny-conv.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-metrics-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('run.epochMetrics', () => {
  it('holds train_/valid_ loss and metrics and the time, the same numbers AvgStats, Recorder and the progress table show', async () => {
    const seen: EpochMetrics[] = [];
    class Spy extends Callback {
      override order = 70;
      override afterEpoch(): void {
        seen.push({ ...this.run.epochMetrics });
      }
    }
    const stats = new AvgStatsCallback([accuracy]);
    const rec = new Recorder();
    let table = '';
    const progress = new ProgressCallback({ stream: { write: (s: string) => (table += s) } });
    const printed: string[] = [];
    const quietStats = new AvgStatsCallback([accuracy], { log: (l) => printed.push(l) });
    await new Runner({ cbs: [stats, quietStats, rec, progress, new Spy()] }).fit(2, tinyLearner());
    expect(printed).toEqual([]); // a progress table is present: AvgStats does not print its own lines
    expect(seen.map((m) => Object.keys(m).sort())).toEqual(Array(2).fill(['epoch', 'time', 'train_accuracy', 'train_loss', 'valid_accuracy', 'valid_loss']));
    seen.forEach((m, e) => {
      expect(m.epoch).toBe(e);
      expect(m.train_loss).toBe(stats.history[e].train[0]);
      expect(m.valid_loss).toBe(stats.history[e].valid[0]);
      expect(m.valid_accuracy).toBe(stats.history[e].valid[1]);
      expect(m.time).toBeGreaterThan(0);
    });
    expect(rec.metrics).toEqual(seen);
    const rows = table.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((r) => Number(r[3]))).toEqual(seen.map((m) => Number(m.valid_accuracy.toFixed(6))));
  });

  it('without a progress display AvgStats prints the course lines; print: false silences them', async () => {
    const lines: string[] = [];
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { log: (l) => lines.push(l) })] }).fit(1, tinyLearner());
    expect(lines.map((l) => l.slice(0, 6))).toEqual(['train:', 'valid:']);
    lines.length = 0;
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false, log: (l) => lines.push(l) })] }).fit(1, tinyLearner());
    expect(lines).toEqual([]);
  });

  it('an epoch stopped during training records the training numbers it measured and no validation ones', async () => {
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const run = new Runner({ cbs: [stats], handleInterrupts: false });
    class Stop extends Callback {
      override afterBatch(): void {
        if (this.run.epoch === 1 && this.run.inTrain && this.run.iter === 1) this.run.requestInterrupt();
      }
    }
    run.addCbs([new Stop()]);
    await run.fit(3, tinyLearner());
    expect(stats.history).toHaveLength(2);
    expect(stats.history[1].train).toHaveLength(2);
    expect(stats.history[1].valid).toEqual([]);
    expect(run.epochMetrics).toMatchObject({ epoch: 1 });
    expect(Object.keys(run.epochMetrics)).not.toContain('valid_loss');
  });
});

describe('callback state in checkpoints', () => {
  it('a user callback with getState/setState is saved and restored on resume', async () => {
    class Counter extends Callback {
      batches = 0;
      restored: JsonValue | null = null;
      override afterBatch(): void {
        if (this.run.inTrain) this.batches++;
      }
      override getState(): JsonValue {
        return { batches: this.batches };
      }
      override setState(s: JsonValue): void {
        this.restored = s;
        this.batches = (s as { batches: number }).batches;
      }
    }
    const dir = path.join(root, 'stateful');
    const first = new Counter();
    await new Runner({ cbs: [first, new CheckpointCallback({ dir })], log: () => {} }).fit(1, convLearner());
    expect(first.batches).toBe(4);
    const ck = await readCheckpointFiles(dir);
    expect(ck.state.callbacks.Counter).toEqual({ batches: 4 });
    const second = new Counter();
    await new Runner({ cbs: [second], log: () => {} }).fit(2, convLearner({ seed: 3 }), { resume: dir });
    expect(second.restored).toEqual({ batches: 4 });
    expect(second.batches).toBe(8);
  });
});
