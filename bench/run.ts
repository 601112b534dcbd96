/**
 * `npm run bench [-- --quick] [-- --backends wasm,cpu]`: the notebooks' MNIST BatchNorm model at
 * bs 512 and bs 64 on every available backend — median ms per training step after warm-up,
 * samples/s, time per epoch on the embedded digits, the same step as a bare TF.js loop, tfai's
 * overhead (tfai / bare), and PyTorch's time for the same step when /usr/bin/python3 has torch.
 * Prints a table and writes bench/results.json.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { tf, initBackend, CancelTrainError, setSeed, loadMnist, getCnnModel, convLayer, initCnn, Learner, Runner, Callback, AvgStatsCallback, Recorder, CudaCallback, ParamScheduler, combineScheds, schedLin, accuracy, crossEntropy, sgd } from '../src/index.js';
import { makeBareModel } from './bare-step.js';
import { BackendName } from '../src/backend/init-backend.js';

const { values: argv } = parseArgs({ options: { quick: { type: 'boolean' }, backends: { type: 'string' } } });
const quick = argv.quick ?? false;
const STEPS = quick ? 6 : 20;
const WARMUP = quick ? 2 : 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Times each training batch (beginBatch to the next beginBatch: loader + step + callbacks). */
class StepTimer extends Callback {
  override order = -100;
  times: number[] = [];
  private last = 0;
  constructor(private readonly maxSteps = Infinity) {
    super();
  }
  override beginBatch(): void {
    const now = performance.now();
    if (this.run.inTrain && this.last) this.times.push(now - this.last);
    this.last = this.run.inTrain ? now : 0;
    if (this.times.length >= this.maxSteps) throw new CancelTrainError('enough steps measured');
  }
  override beginValidate(): void {
    this.last = 0;
  }
}

/**
 * tfai's step time through `Runner.fit` with the usual callbacks. Runs `epochs` epochs (the epoch
 * time is the last one's), or stops after `maxSteps` steps and extrapolates the epoch time.
 */
async function benchTfai(bs: number, epochs: number, maxSteps = Infinity): Promise<{ msPerStep: number; secPerEpoch: number; estimated: boolean }> {
  setSeed(0);
  const data = await loadMnist({ bs, seed: 0 });
  const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
  initCnn(model);
  const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.4 });
  const timer = new StepTimer(maxSteps);
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const sched = combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]);
  const run = new Runner({ cbs: [timer, stats, new Recorder(), new CudaCallback({ log: () => {} }), new ParamScheduler('lr', sched)] });
  await run.fit(epochs, learn);
  const msPerStep = median(timer.times.slice(WARMUP));
  const done = stats.history.at(-1);
  const estimated = !done;
  const secPerEpoch = done ? done.seconds : (msPerStep * (data.trainDl.length + data.validDl.length / 3)) / 1000;
  model.dispose();
  learn.opt.dispose();
  data.dispose();
  return { msPerStep, secPerEpoch, estimated };
}

async function benchBare(bs: number): Promise<number> {
  const bare = makeBareModel();
  const n = 4096;
  const x = tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', 5);
  const y = tf.randomUniform([n], 0, 10, 'int32', 6) as tf.Tensor1D;
  const times: number[] = [];
  for (let i = 0; i < STEPS + WARMUP; i++) {
    const t = performance.now();
    const idx = tf.tensor1d(Array.from({ length: bs }, (_, j) => (i * bs + j) % n), 'int32');
    const xb = tf.gather(x, idx) as tf.Tensor4D;
    const yb = tf.gather(y, idx) as tf.Tensor1D;
    const loss = bare.step(xb, yb, 0.4);
    tf.dispose([idx, xb, yb, loss]);
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  tf.dispose([x, y]);
  bare.dispose();
  return median(times);
}

function benchTorch(): { version: string; threads: number; ms: Record<string, number> } | string {
  try {
    const out = execFileSync('/usr/bin/python3', [new URL('./torch_step.py', import.meta.url).pathname, String(STEPS), String(WARMUP), '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const j = JSON.parse(out.trim().split('\n').at(-1)!);
    return { version: j.torch, threads: j.threads, ms: j.ms };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return /ModuleNotFoundError|No module named/.test(String((e as { stderr?: string }).stderr ?? msg)) ? 'torch not installed for /usr/bin/python3' : `PyTorch not run: ${msg}`;
  }
}

type Row = { backend: string; bs: number; tfaiMs: number; bareMs: number; overhead: number; samplesPerSec: number; secPerEpoch: number; epochEstimated: boolean; torchMs?: number; vsTorch?: number };

async function main(): Promise<void> {
  // The pure-JS cpu backend needs minutes per MNIST epoch: measured only when asked for.
  const wanted = (argv.backends?.split(',') ?? ['tensorflow', 'wasm']) as BackendName[];
  const rows: Row[] = [];
  const torch = benchTorch();
  if (typeof torch === 'string') console.log(`PyTorch comparison skipped: ${torch}`);
  else console.log(`PyTorch ${torch.version}, ${torch.threads} thread: ${JSON.stringify(torch.ms)} ms/step`);
  for (const b of wanted) {
    const active = await initBackend(b, { log: () => {} });
    if (active !== b) {
      console.log(`${b}: not available here (fell back to ${active}), skipped`);
      continue;
    }
    // The pure-JS cpu backend is ~100x slower on convolutions: bs 64 only, a few steps, epoch time estimated.
    for (const bs of b === 'cpu' ? [64] : [512, 64]) {
      // Alternate bare and tfai runs (two rounds each, one in --quick or on cpu) and compare the
      // best median of each, so that machine noise hits both sides alike.
      const rounds = quick || b === 'cpu' ? 1 : 2;
      let bareMs = Infinity;
      let t: Awaited<ReturnType<typeof benchTfai>> | null = null;
      for (let r = 0; r < rounds; r++) {
        bareMs = Math.min(bareMs, await benchBare(bs));
        const tr = b === 'cpu' ? await benchTfai(bs, 1, STEPS + WARMUP) : await benchTfai(bs, quick ? 1 : 2);
        if (!t || tr.msPerStep < t.msPerStep) t = tr;
      }
      if (!t) throw new Error('no tfai measurement');
      const row: Row = { backend: b, bs, tfaiMs: t.msPerStep, bareMs, overhead: t.msPerStep / bareMs, samplesPerSec: (bs * 1000) / t.msPerStep, secPerEpoch: t.secPerEpoch, epochEstimated: t.estimated };
      if (typeof torch !== 'string') {
        row.torchMs = torch.ms[String(bs)];
        row.vsTorch = t.msPerStep / row.torchMs;
      }
      rows.push(row);
      console.log(`  ${b} bs ${bs}: tfai ${t.msPerStep.toFixed(1)} ms/step, bare ${bareMs.toFixed(1)} ms/step, epoch ${t.secPerEpoch.toFixed(1)} s`);
    }
  }
  const head = ['backend', 'bs', 'tfai ms/step', 'bare ms/step', 'tfai/bare', 'samples/s', 's/epoch', 'torch ms/step', 'tfai/torch'];
  const body = rows.map((r) => [r.backend, String(r.bs), r.tfaiMs.toFixed(1), r.bareMs.toFixed(1), r.overhead.toFixed(3), r.samplesPerSec.toFixed(0), `${r.epochEstimated ? '~' : ''}${r.secPerEpoch.toFixed(2)}`, r.torchMs?.toFixed(1) ?? '-', r.vsTorch?.toFixed(2) ?? '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`\n${line(head)}\n${body.map(line).join('\n')}`);
  const results = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.arch()}` },
    versions: { 'tfjs-core': tf.version_core },
    wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    torch: typeof torch === 'string' ? torch : torch,
    rows,
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2));
  console.log('\nwrote bench/results.json');
}

await main();
