/**
 * Exact resume on the cpu backend: a run stopped after epoch 2, in the middle of a training epoch,
 * or in the middle of a validation pass, then resumed in a fresh learner (other init, scrambled
 * global RNG, fresh loaders), gives the same per-batch losses, learning rates, epoch statistics and
 * final weights as the run that was never stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback, setSeed, sgd, adam, type OptFunc, type Learner, type CallbackRunner } from '../../src/index.js';
import { convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import type { RunPosition } from '../../src/io/checkpoint-types.js';

const EPOCHS = 4;
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-resume-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Calls `run.requestInterrupt()` (what Ctrl-C does) when `when` says so, after a batch or epoch. */
class StopAt extends Callback {
  override order = 100;
  constructor(private readonly when: (run: CallbackRunner, event: 'batch' | 'epoch') => boolean) {
    super();
  }
  override afterBatch(): void {
    if (this.when(this.run, 'batch')) this.run.requestInterrupt();
  }
  override afterEpoch(): void {
    if (this.when(this.run, 'epoch')) this.run.requestInterrupt();
  }
}

type Outcome = { losses: number[]; lrs: number[]; stats: number[][]; weights: number[][]; log: string[] };

async function weightsOf(learn: Learner): Promise<number[][]> {
  const m = learn.model as unknown as { stateDict(): Record<string, tf.Tensor> };
  return Promise.all(Object.values(m.stateDict()).map(async (t) => Array.from(await t.data())));
}

async function train(dir: string, optFunc: OptFunc, opts: { stop?: StopAt; resume?: boolean; seed?: number } = {}): Promise<Outcome> {
  const learn = convLearner({ optFunc, seed: opts.seed ?? 1 });
  if (opts.resume) setSeed(987654); // a fresh process would have another global RNG state
  const { stats, rec, cbs } = trackingCbs();
  const log: string[] = [];
  const run = new Runner({ cbs: [...cbs, new CheckpointCallback({ dir }), ...(opts.stop ? [opts.stop] : [])], log: (l) => log.push(l) });
  await run.fit(EPOCHS, learn, opts.resume ? { resume: dir } : {});
  return { losses: rec.losses, lrs: rec.lr, stats: stats.history.map((h) => [h.epoch, ...h.train, ...h.valid]), weights: await weightsOf(learn), log };
}

function expectClose(a: number[], b: number[], tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `index ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol));
}

function expectSame(resumed: Outcome, ref: Outcome): void {
  expectClose(resumed.losses, ref.losses);
  expectClose(resumed.lrs, ref.lrs);
  expect(resumed.stats.length).toBe(ref.stats.length);
  resumed.stats.forEach((row, i) => expectClose(row, ref.stats[i]));
  resumed.weights.forEach((w, i) => expectClose(w, ref.weights[i]));
}

const stops: [string, (run: CallbackRunner, ev: 'batch' | 'epoch') => boolean, RunPosition, string][] = [
  ['after epoch 2', (r, ev) => ev === 'epoch' && r.epoch === 1, { epoch: 2, phase: 'train', iter: 0 }, 'epoch-0002'],
  ['mid-epoch (after 2 training batches of epoch 3)', (r, ev) => ev === 'batch' && r.inTrain && r.epoch === 2 && r.iter === 1, { epoch: 2, phase: 'train', iter: 2 }, 'epoch-0002-train-0002'],
  ['mid-validation (after 1 validation batch of epoch 2)', (r, ev) => ev === 'batch' && !r.inTrain && r.epoch === 1 && r.iter === 0, { epoch: 1, phase: 'valid', iter: 1 }, 'epoch-0001-valid-0001'],
];

for (const [optName, optFunc] of [['SGD with momentum', sgd({ mom: 0.9 })], ['Adam', adam()]] as const) {
  describe(`exact resume on cpu, ${optName}`, () => {
    let ref: Outcome;
    beforeAll(async () => {
      ref = await train(path.join(root, `ref-${optName}`), optFunc);
      expect(ref.losses).toHaveLength(EPOCHS * 4);
      expect(ref.losses.at(-1)!).toBeLessThan(ref.losses[0]);
    });

    for (const [name, when, pos, folder] of stops) {
      it(`stopped ${name}, resumed in a fresh learner: same per-batch losses, lrs, stats and weights (1e-6)`, async () => {
        const dir = path.join(root, `${optName}-${folder}`);
        const first = await train(dir, optFunc, { stop: new StopAt(when) });
        expect(first.log.join('\n')).toMatch(new RegExp(`checkpoint saved to .*${folder}\\n.*resume with: await run\\.fit\\(4, learn, \\{ resume: ".*" \\}\\)`));
        expect((await fs.readFile(path.join(dir, 'latest'), 'utf8')).trim()).toBe(folder);
        const state = JSON.parse(await fs.readFile(path.join(dir, folder, 'state.json'), 'utf8')) as { position: RunPosition };
        expect(state.position).toEqual(pos);
        expect(first.losses).toEqual(ref.losses.slice(0, first.losses.length));

        const resumed = await train(dir, optFunc, { resume: true, seed: 99 });
        expect(resumed.log[0]).toMatch(/tfai: resuming from .* at epoch \d, (train|valid) batch \d/);
        expectSame(resumed, ref);
      });
    }
  });
}
