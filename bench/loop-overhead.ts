/**
 * What the loop's per-batch yield to the event loop costs (the yield that lets Ctrl-C stop after
 * the current batch): small models whose steps are short enough for a per-step cost to show, each
 * fitted for one epoch at a time, alternating rounds with the yield (as shipped) and without it
 * (`FitControl.batchDone` patched to skip it). Prints ms per step (median and range over rounds) and
 * the cost of a bare `await new Promise(setImmediate)`.
 *
 *     npx tsx bench/loop-overhead.ts [--backend cpu|wasm] [--rounds 6] [--only mlp|conv]
 *
 * The same script runs on an older checkout (where `batchDone` has no yield, both columns are the
 * same loop), so two checkouts can be compared process against process.
 */
import { parseArgs } from 'node:util';
import {
  tf, initBackend, setSeed, Runner, Learner, Sequential, Linear, ReLU, Conv2d, BatchNorm2d, Flatten, Dropout,
  TensorDataset, DataLoader, DataBunch, crossEntropy, sgd, AvgStatsCallback, Recorder, accuracy, type Module,
} from '../src/index.js';
import { FitControl } from '../src/core/fit-control.js';
import * as rngModule from '../src/core/rng.js';
import type { BackendName } from '../src/backend/init-backend.js';
import { median } from './stats.js';

const { values: argv } = parseArgs({ options: { backend: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' } } });
const ROUNDS = Number(argv.rounds ?? 6);

/** The RNG stream functions, where this checkout has them. */
const rng = rngModule as unknown as { withRngStream?: (s: unknown, f: () => Promise<void>) => Promise<void>; forkRngStream?: () => unknown };
const shipped = FitControl.prototype.batchDone;
/** The shipped `batchDone` without its yield (position update and stop check only). */
const noYield = async function (this: FitControl, iter: number): Promise<void> {
  (this as unknown as { pos: { iter: number } }).pos.iter = iter;
  this.stopIfRequested();
};

function data(n: number, shape: number[], c: number, bs: number): DataBunch {
  setSeed(0);
  const mk = (m: number, s: number): TensorDataset => {
    const y = tf.tensor1d(Array.from({ length: m }, (_, i) => i % c), 'int32');
    const x = tf.randomNormal([m, ...shape], 0, 1, 'float32', s);
    return new TensorDataset(x, y);
  };
  return new DataBunch(new DataLoader(mk(n, 1), { bs, shuffle: true }), new DataLoader(mk(bs, 2), { bs }), c);
}

const configs: { name: string; make: () => Learner; steps: number }[] = [
  {
    name: 'MLP 16-32-4, bs 16',
    steps: 400,
    make: () => {
      setSeed(1);
      const model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
      return new Learner({ model, data: data(400 * 16, [16], 4, 16), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.05 });
    },
  },
  {
    name: 'conv 8×8 → BN → dropout → linear, bs 32',
    steps: 100,
    make: () => {
      setSeed(1);
      const model: Module = new Sequential(new Conv2d(1, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new Flatten(), new Dropout(0.2), new Linear(8 * 8 * 8, 10));
      return new Learner({ model, data: data(100 * 32, [8, 8, 1], 10, 32), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.05 });
    },
  },
];

/** Wall and CPU (user + system, this process) milliseconds of a one-epoch fit. */
async function epochMs(learn: Learner): Promise<{ wall: number; cpu: number }> {
  const run = new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new Recorder()], log: () => {}, handleInterrupts: true });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await run.fit(1, learn);
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const fmt = (xs: number[]): string => `${median(xs).toFixed(4)} [${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)}]`;

await initBackend((argv.backend ?? 'cpu') as BackendName, { log: () => {} });
console.log(`backend ${tf.getBackend()}, ${ROUNDS} rounds of one epoch each, alternating (ms per step, median [min–max]; CPU = user + system time of this process, which other processes on the machine disturb less than wall time)`);

// a bare yield, on an otherwise idle event loop
{
  const n = 20_000;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  const c = process.cpuUsage(c0);
  console.log(`bare await new Promise(setImmediate): ${((1000 * (performance.now() - t0)) / n).toFixed(2)} µs wall, ${((c.user + c.system) / n).toFixed(2)} µs CPU`);
  if (rng.withRngStream) {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    await rng.withRngStream(rng.forkRngStream!(), async () => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    });
    const d = process.cpuUsage(c1);
    console.log(`the same inside a fit's RNG stream (AsyncLocalStorage): ${((1000 * (performance.now() - t1)) / n).toFixed(2)} µs wall, ${((d.user + d.system) / n).toFixed(2)} µs CPU`);
  }
}

for (const cfg of configs.filter((c) => !argv.only || c.name.toLowerCase().startsWith(argv.only!.toLowerCase()))) {
  const learn = cfg.make();
  // one batch = steps of training + 1 validation batch; report per training step
  await epochMs(learn); // warm-up
  const res = { with: { wall: [] as number[], cpu: [] as number[] }, without: { wall: [] as number[], cpu: [] as number[] } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of r % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      FitControl.prototype.batchDone = variant === 'with' ? shipped : noYield;
      const { wall, cpu } = await epochMs(learn);
      res[variant].wall.push(wall / cfg.steps);
      res[variant].cpu.push(cpu / cfg.steps);
    }
  }
  FitControl.prototype.batchDone = shipped;
  for (const k of ['wall', 'cpu'] as const) {
    const diffs = res.with[k].map((w, i) => w - res.without[k][i]);
    console.log(`${cfg.name}, ${k}: with yield ${fmt(res.with[k])} · without ${fmt(res.without[k])} · paired difference ${(1000 * median(diffs)).toFixed(1)} µs/step [${(1000 * Math.min(...diffs)).toFixed(1)} to ${(1000 * Math.max(...diffs)).toFixed(1)}]`);
  }
}
