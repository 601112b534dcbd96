/**
 * `npm run bench:transfer [-- --rounds 2] [-- --threads 2] [-- --bs 16] [-- --sizes 128,224] [-- --archs resnet18,resnet34] [-- --no-torch] [-- --no-max-batch]`
 *
 * torchvision's ResNet-18 and ResNet-34 (10 classes) at 128 and 224 px: the training step's time
 * on tfai's wasm backend against PyTorch on the CPU (SGD with momentum, cross-entropy), each
 * measurement in a fresh process (bench/step-child.ts, bench/torch_step.py) with a warm-up of at
 * least `--warmup-s` seconds, tfai and PyTorch alternating within each round and the order
 * reversed from round to round, so that the machine's load hits both alike; the table gives the
 * median over rounds and the range of the ratio. Then the largest batch whose training step fits
 * wasm's 4 GiB heap (tfai's step-memory estimate, and one real step at that batch:
 * bench/max-batch-child.ts). Writes bench/transfer-results.json and prints a Markdown table.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { logicalCores, WASM_MAX_THREADS } from '../src/backend/wasm/threads.js';
import { MODELS } from './models.js';
import { median, range } from './stats.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const { values: argv } = parseArgs({
  options: {
    rounds: { type: 'string' }, threads: { type: 'string' }, bs: { type: 'string' }, sizes: { type: 'string' }, archs: { type: 'string' },
    steps: { type: 'string' }, 'warmup-s': { type: 'string' }, 'no-torch': { type: 'boolean' }, 'no-max-batch': { type: 'boolean' },
  },
});
const rounds = Number(argv.rounds ?? 2);
const threads = Math.min(Number(argv.threads ?? logicalCores()), WASM_MAX_THREADS);
const bs = Number(argv.bs ?? 16);
const steps = Number(argv.steps ?? 3);
const warmupMs = 1000 * Number(argv['warmup-s'] ?? 4);
const sizes = (argv.sizes ?? '128,224').split(',').map(Number);
const archs = (argv.archs ?? 'resnet18,resnet34').split(',');
const models = archs.flatMap((a) => sizes.map((s) => `tv-${a}-${s}`));
for (const m of models) if (!MODELS[m]) throw new Error(`bench:transfer: no model ${m} in bench/models.ts`);
const TORCH_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' };

type Step = { ms: number; peakRss: number; flops?: number };

async function tfai(model: string): Promise<Step> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `${here}step-child.ts`, '--model', model, '--bs', String(bs), '--threads', String(threads), '--steps', String(steps), '--warmup', '1', '--warmup-ms', String(warmupMs)], {
    cwd: repo, maxBuffer: 1 << 24, env: { ...process.env, TFAI_THREADS: String(threads) },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Step;
}

async function torch(model: string): Promise<Step> {
  const { stdout } = await run('/usr/bin/python3', [`${here}torch_step.py`, model, String(bs), String(threads), String(steps), '1', String(warmupMs)], {
    cwd: repo, maxBuffer: 1 << 24, env: { ...process.env, ...TORCH_ENV },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Step;
}

async function maxBatch(model: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `${here}max-batch-child.ts`, '--model', model, '--threads', String(threads)], {
    cwd: repo, maxBuffer: 1 << 24, env: { ...process.env, TFAI_THREADS: String(threads) },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

async function torchAvailable(): Promise<boolean> {
  if (argv['no-torch']) return false;
  return run('/usr/bin/python3', ['-c', 'import torch, torchvision'], { env: { ...process.env, ...TORCH_ENV } }).then(() => true, () => false);
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const withTorch = await torchAvailable();
console.log(`bench:transfer: ${models.join(', ')} at bs ${bs}, ${threads} threads, ${rounds} round(s); load average ${load()}${withTorch ? '' : '; PyTorch comparison skipped (no torch/torchvision for /usr/bin/python3, or --no-torch)'}`);
const results: Record<string, unknown>[] = [];
const table: string[][] = [];
for (const model of models) {
  const t: Step[] = [];
  const p: Step[] = [];
  for (let r = 0; r < rounds; r++) {
    const order: ('tfai' | 'torch')[] = withTorch ? (r % 2 === 0 ? ['tfai', 'torch'] : ['torch', 'tfai']) : ['tfai'];
    for (const impl of order) {
      const m = impl === 'tfai' ? await tfai(model) : await torch(model);
      (impl === 'tfai' ? t : p).push(m);
      console.log(`  ${MODELS[model]!.label} bs ${bs}, round ${r + 1}: ${impl} ${m.ms.toFixed(0)} ms/step, peak RSS ${(m.peakRss / 2 ** 20).toFixed(0)} MB`);
    }
  }
  const ratios = p.length ? t.map((m, i) => m.ms / p[i]!.ms) : [];
  const mb = argv['no-max-batch'] ? null : await maxBatch(model);
  if (mb) console.log(`  ${MODELS[model]!.label}: largest batch that fits wasm's 4 GiB: ${mb.maxBatch} (${(mb.perSampleMB as number).toFixed(0)} MB per sample${mb.ran ? `; a step at bs ${mb.ran} ran in ${(mb.ms as number).toFixed(0)} ms` : ''})`);
  const tMs = median(t.map((m) => m.ms));
  const gflops = t[0]?.flops ? (t[0].flops / (tMs / 1000)) / 1e9 : NaN;
  results.push({ model, bs, threads, tfai: t, torch: p, ratios, maxBatch: mb });
  table.push([
    MODELS[model]!.label, String(bs), tMs.toFixed(0), Number.isFinite(gflops) ? gflops.toFixed(1) : '–',
    p.length ? median(p.map((m) => m.ms)).toFixed(0) : '–', ratios.length ? `${median(ratios).toFixed(2)}× (${range(ratios)})` : '–',
    mb ? (mb.ran ? `${mb.ran} (estimate ${mb.maxBatch})` : `estimate ${mb.maxBatch} (not run)`) : '–',
  ]);
}
writeFileSync(`${here}transfer-results.json`, JSON.stringify({ date: new Date().toISOString(), cores: logicalCores(), loadBefore: load(), results }, null, 2));
console.log(`\nload average after: ${load()}\n`);
console.log(`| model | bs | tfai wasm ${threads}t ms/step | tfai GFLOP/s | PyTorch ${threads}t ms/step | tfai / PyTorch (range) | largest batch run in 4 GiB |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of table) console.log(`| ${r.join(' | ')} |`);
