/**
 * Fits running at once in one process: a learner (or a runner) in a fit refuses a second
 * concurrent fit with a clear error; two learners with Dropout and unseeded shuffling trained at
 * once each get exactly the losses they get alone (each fit draws from its own RNG stream), and a
 * fit resumed from a checkpoint while another one runs still reproduces the uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback, setSeed } from '../../src/index.js';
import { random } from '../../src/data/index.js';
import { getRngState, type RngState } from '../../src/core/rng.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-concurrent-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('one learner, one fit at a time', () => {
  it('a second fit of the same learner (another runner) is refused at once; the first completes; then the learner fits again', async () => {
    const learn = convLearner();
    const first = new Runner({ log: () => {} }).fit(2, learn);
    await expect(new Runner({ log: () => {} }).fit(1, learn)).rejects.toThrow(/^Runner\.fit: this learner is already being trained by another fit that has not finished; a learner can be in one fit at a time/);
    await expect(first).resolves.toBeUndefined();
    await expect(new Runner({ log: () => {} }).fit(1, learn)).resolves.toBeUndefined();
  });

  it('a second fit on the same runner is refused too', async () => {
    const run = new Runner({ log: () => {} });
    const first = run.fit(1, convLearner());
    await expect(run.fit(1, convLearner({ seed: 2 }))).rejects.toThrow(/^Runner\.fit: this runner is already running a fit that has not finished/);
    await first;
  });

  it('a fit that failed releases the learner', async () => {
    const learn = convLearner();
    class Boom extends Callback {
      override beginFit(): void {
        throw new Error('boom');
      }
    }
    await expect(new Runner({ cbs: [new Boom()], log: () => {} }).fit(1, learn)).rejects.toThrow('boom');
    await expect(new Runner({ log: () => {} }).fit(1, learn)).resolves.toBeUndefined();
  });
});

/** One job: seed, build (init draws), fit with Dropout and a loader shuffled by the global RNG. */
async function job(seed: number): Promise<number[]> {
  setSeed(seed);
  const learn = convLearner({ data: convData({ shuffleSeed: null }), seed: seed + 100 });
  const { rec, cbs } = trackingCbs();
  class Draw extends Callback {
    // a callback drawing from the RNG after an await, as an async augmentation would
    override async beginBatch(): Promise<void> {
      await Promise.resolve();
      random();
    }
  }
  await new Runner({ cbs: [...cbs, new Draw()], log: () => {} }).fit(3, learn);
  return rec.losses;
}

describe('RNG streams', () => {
  it('two learners with Dropout trained at once get exactly their solo losses', async () => {
    const soloA = await job(1);
    const soloB = await job(2);
    expect(soloA).not.toEqual(soloB);
    const [a, b] = await Promise.all([job(1), job(2)]);
    expect(a).toEqual(soloA);
    expect(b).toEqual(soloB);
  });

  it("a fit's stream starts where the global generator stands, and the global one continues from where the fit left it", async () => {
    const seen: { start?: RngState; end?: RngState } = {};
    class Peek extends Callback {
      override beginFit(): void {
        seen.start = getRngState();
      }
      override afterFit(): void {
        random();
        seen.end = getRngState();
      }
    }
    setSeed(5);
    const learn = convLearner({ data: convData({ shuffleSeed: null }), seed: 5 });
    setSeed(6);
    random();
    const before = getRngState();
    await new Runner({ cbs: [new Peek()], log: () => {} }).fit(1, learn);
    expect(seen.start).toEqual(before);
    expect(seen.end).not.toEqual(before);
    expect(getRngState()).toEqual(seen.end);
  });

  it('a fit resumed from a checkpoint while another fit runs reproduces the uninterrupted run', async () => {
    const dir = path.join(root, 'resume');
    const go = async (mode: 'ref' | 'stop' | 'resume', onFirstBatch = (): void => {}): Promise<number[]> => {
      setSeed(3);
      const learn = convLearner({ data: convData({ shuffleSeed: null }), seed: mode === 'resume' ? 50 : 3 });
      const { rec, cbs } = trackingCbs();
      class Stop extends Callback {
        override order = 100;
        override afterBatch(): void {
          if (this.run.inTrain && this.run.epoch === 1 && this.run.iter === 1) this.run.requestInterrupt();
        }
      }
      class First extends Callback {
        override beginBatch(): void {
          onFirstBatch();
        }
      }
      const extra = mode === 'ref' ? [] : [new CheckpointCallback({ dir }), ...(mode === 'stop' ? [new Stop()] : [])];
      await new Runner({ cbs: [...cbs, ...extra, new First()], log: () => {} }).fit(3, learn, mode === 'resume' ? { resume: dir } : {});
      return rec.losses;
    };
    const ref = await go('ref');
    await go('stop');
    // the other fit starts (from the test, not from inside the resumed fit) once the resumed one has
    // applied its checkpoint and runs its first batch
    let firstBatch = (): void => {};
    const reached = new Promise<void>((r) => (firstBatch = r));
    const resumed = go('resume', () => firstBatch());
    await reached;
    const other = await job(9);
    expect(other).toHaveLength(12);
    expect(await resumed).toEqual(ref);
  });
});
