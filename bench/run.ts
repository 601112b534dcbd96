/**
 * `npm run bench [-- --quick] [-- --rounds 3] [-- --models course,resnet18] [-- --threads 4] [-- --warmup-s 4] [-- --no-torch]`
 *
 * Training-step time of tfai on the wasm backend against PyTorch (CPU), as alternated ratios:
 *
 * - each configuration (model, batch size, implementation, thread count) runs in a fresh process
 *   (bench/step-child.ts, bench/torch_step.py): a warm-up of at least a few steps and `--warmup-s`
 *   seconds (default 4; V8 optimises the per-kernel dispatch over the first ≈ 2 s, so a short
 *   warm-up times small batches at a speed no epoch runs at) and, on several threads, until the
 *   kernel pool has chosen for each call site whether to split it (its first 8 calls), then the
 *   median of the timed steps;
 * - every round runs all implementations of a row back to back, in an order that alternates from
 *   round to round (A B C D, then D C B A), so that a change in the machine's load hits them alike;
 *   the table gives the median over rounds and, for the ratios, their range over rounds;
 * - tfai runs on 1 thread and on all logical cores (or `--threads N`); PyTorch with the same
 *   thread counts and its allocator tuned (MALLOC_MMAP_MAX_=0, a large MALLOC_TRIM_THRESHOLD_), when
 *   /usr/bin/python3 has torch; tfjs-layers `model.fit` (with tfai's kernels) on the course net;
 * - GFLOP/s for the ResNets (convolution and matmul FLOPs of forward and backward), peak RSS,
 *   and the kernels tfai dispatches per step (what small batches pay for);
 * - the load average before and after, since other processes distort thread scaling most.
 *
 * Writes bench/results.json and prints a Markdown table (the README's performance table).
 * `--quick` (well under a minute): the course net at bs 64, one round, few steps.
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
    quick: { type: 'boolean' }, rounds: { type: 'string' }, models: { type: 'string' }, threads: { type: 'string' }, 'no-torch': { type: 'boolean' },
    'warmup-s': { type: 'string' },
  },
});
const quick = argv.quick ?? false;
const rounds = Number(argv.rounds ?? (quick ? 1 : 2));
/** Minimum warm-up per measurement, ms (tfai and PyTorch alike). */
const warmupMs = 1000 * Number(argv['warmup-s'] ?? (quick ? 1 : 4));
const many = Math.min(Number(argv.threads ?? logicalCores()), WASM_MAX_THREADS);
const threadCounts = many > 1 ? [1, many] : [1];

/**
 * One row of the table: a model at a batch size, and how many steps to time (an odd count, so that
 * a process's median is one measured step).
 */
interface Row {
  model: string;
  bs: number;
  steps: number;
  warmup: number;
  /** Also time tfjs-layers model.fit (course net only). */
  layers?: boolean;
}
const ALL: Row[] = [
  { model: 'course', bs: 32, steps: 101, warmup: 5 },
  { model: 'course', bs: 64, steps: 61, warmup: 5, layers: true },
  { model: 'course', bs: 512, steps: 11, warmup: 3 },
  { model: 'course-rbn', bs: 32, steps: 101, warmup: 5 },
  { model: 'cifar-cnn', bs: 256, steps: 9, warmup: 2 },
  { model: 'resnet-narrow', bs: 128, steps: 9, warmup: 1 },
  { model: 'resnet18', bs: 128, steps: 3, warmup: 1 },
];
const QUICK: Row[] = [{ model: 'course', bs: 64, steps: 9, warmup: 3, layers: true }];
const wantModels = argv.models?.split(',');
const rows = (quick ? QUICK : ALL).filter((r) => !wantModels || wantModels.includes(r.model));
for (const m of wantModels ?? []) if (!MODELS[m]) throw new Error(`bench: unknown model '${m}' (one of ${Object.keys(MODELS).join(', ')})`);

/** What one child process reports. */
interface Measure {
  ms: number;
  cpuMs?: number;
  flops?: number;
  kernels?: number;
  /** The kernel pool's measured call sites: how many split, how many run on one thread. */
  splits?: { split: number; serial: number };
  peakRss: number;
  threads: number;
}
type Impl = { key: string; label: string; threads: number; kind: 'tfai' | 'layers' | 'torch' };

async function tfaiChild(r: Row, threads: number, impl: 'tfai' | 'layers'): Promise<Measure> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `${here}step-child.ts`, '--model', r.model, '--bs', String(r.bs), '--threads', String(threads), '--steps', String(r.steps), '--warmup', String(r.warmup), '--warmup-ms', String(warmupMs), '--impl', impl], {
    cwd: repo, maxBuffer: 1 << 24, env: { ...process.env, TFAI_THREADS: String(threads) },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measure;
}

const TORCH_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' };
async function torchChild(r: Row, threads: number): Promise<Measure> {
  const { stdout } = await run('/usr/bin/python3', [`${here}torch_step.py`, r.model, String(r.bs), String(threads), String(r.steps), String(r.warmup), String(warmupMs)], {
    cwd: repo, maxBuffer: 1 << 24, env: { ...process.env, ...TORCH_ENV },
  });
  const j = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; threads: number; peakRss: number; torch: string };
  torchVersion = j.torch;
  return { ms: j.ms, threads: j.threads, peakRss: j.peakRss };
}

let torchVersion = '';
async function torchAvailable(): Promise<string | null> {
  if (argv['no-torch']) return '--no-torch';
  try {
    await run('/usr/bin/python3', ['-c', 'import torch'], { env: { ...process.env, ...TORCH_ENV } });
    return null;
  } catch {
    return 'torch is not installed for /usr/bin/python3';
  }
}

const loadNow = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const noTorch = await torchAvailable();
  const loadBefore = loadNow();
  const cores = logicalCores();
  console.log(`tfai bench: ${rows.length} rows, ${rounds} round(s), threads ${threadCounts.join(' / ')}, ${cores} logical cores, load average ${loadBefore}`);
  if (os.loadavg()[0]! > 0.5 * cores) console.log(`WARNING: the machine is busy (load ${os.loadavg()[0]!.toFixed(1)} on ${cores} cores): thread scaling and wall times will be distorted`);
  if (noTorch) console.log(`PyTorch comparison skipped: ${noTorch}`);

  const results: Array<Record<string, unknown>> = [];
  const table: string[][] = [];
  for (const r of rows) {
    const impls: Impl[] = [
      ...threadCounts.map((t): Impl => ({ key: `tfai${t}`, label: `tfai ${t}t`, threads: t, kind: 'tfai' })),
      ...(noTorch ? [] : threadCounts.map((t): Impl => ({ key: `torch${t}`, label: `torch ${t}t`, threads: t, kind: 'torch' }))),
      ...(r.layers ? [{ key: `layers${many}`, label: `tfjs-layers ${many}t`, threads: many, kind: 'layers' } as Impl] : []),
    ];
    const got: Record<string, Measure[]> = Object.fromEntries(impls.map((i) => [i.key, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? impls : [...impls].reverse();
      for (const impl of order) {
        const m = impl.kind === 'torch' ? await torchChild(r, impl.threads) : await tfaiChild(r, impl.threads, impl.kind);
        got[impl.key]!.push(m);
        console.log(`  ${MODELS[r.model]!.label} bs ${r.bs}, round ${round + 1}: ${impl.label} ${m.ms.toFixed(1)} ms/step${m.cpuMs !== undefined ? ` (cpu ${m.cpuMs.toFixed(1)} ms)` : ''}${m.splits && m.splits.split + m.splits.serial > 0 ? `, split ${m.splits.split} of ${m.splits.split + m.splits.serial} measured call sites` : ''}, peak RSS ${(m.peakRss / 2 ** 20).toFixed(0)} MB`);
      }
    }
    const ms = (k: string): number => median(got[k]!.map((m) => m.ms));
    const ratios = (a: string, b: string): number[] => got[a]!.map((m, i) => m.ms / got[b]![i]!.ms);
    const flops = got[`tfai${threadCounts[0]}`]![0]!.flops ?? 0;
    const isResNet = r.model.startsWith('resnet');
    const rowOut: Record<string, unknown> = { model: r.model, label: MODELS[r.model]!.label, bs: r.bs, flopsPerStep: flops, rounds: got };
    const kernels = got[`tfai${threadCounts[0]}`]![0]!.kernels;
    if (kernels !== undefined) rowOut.kernelsPerStep = kernels;
    const cells = [MODELS[r.model]!.label, String(r.bs), kernels === undefined ? '' : String(kernels)];
    for (const t of threadCounts) cells.push(ms(`tfai${t}`).toFixed(1));
    if (threadCounts.length > 1) {
      const scale = ratios(`tfai1`, `tfai${many}`);
      cells.push(range(scale));
      rowOut.threadSpeedup = scale;
    }
    if (!noTorch) {
      for (const t of threadCounts) cells.push(ms(`torch${t}`).toFixed(1));
      for (const t of threadCounts) {
        const rt = ratios(`tfai${t}`, `torch${t}`);
        cells.push(range(rt));
        rowOut[`vsTorch${t}t`] = rt;
      }
    } else {
      for (let i = 0; i < 2 * threadCounts.length; i++) cells.push('–');
    }
    if (r.layers) {
      const lr = ratios(`layers${many}`, `tfai${many}`);
      cells.push(`${ms(`layers${many}`).toFixed(1)} (${range(lr)}× tfai)`);
      rowOut.layersVsTfai = lr;
    } else cells.push('');
    const cpu1 = median(got[`tfai${threadCounts[0]}`]!.map((m) => m.cpuMs ?? NaN));
    cells.push(isResNet && flops ? `${threadCounts.map((t) => (flops / ms(`tfai${t}`) / 1e6).toFixed(1)).join(' / ')} (${(flops / cpu1 / 1e6).toFixed(1)} per core)` : '');
    const rss = (k: string): number => Math.max(...got[k]!.map((m) => m.peakRss)) / 2 ** 20;
    cells.push(`${rss(`tfai${many}`).toFixed(0)}${noTorch ? '' : ` / ${rss(`torch${many}`).toFixed(0)}`}`);
    table.push(cells);
    results.push(rowOut);
  }
  const loadAfter = loadNow();
  const T = threadCounts;
  const head = [
    'model', 'bs', 'kernels/step', ...T.map((t) => `tfai ${t}t ms`), ...(T.length > 1 ? [`tfai 1t / ${many}t`] : []),
    ...T.map((t) => `torch ${t}t ms`), ...T.map((t) => `tfai / torch ${t}t`), 'tfjs-layers fit ms', `GFLOP/s ${T.map((t) => `${t}t`).join(' / ')} (1t by CPU time)`,
    `peak RSS MB tfai${noTorch ? '' : ' / torch'}`,
  ];
  const md = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...table.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  console.log(`\n${md}\n`);
  console.log(`GFLOP/s: convolution and matmul FLOPs of the step over wall time; "per core": over the 1-thread run's CPU time, which other load on the machine distorts least.`);
  console.log(`ms: median over ${rounds} round(s) of each process's median step (Runner.fit with a shuffled DataLoader for tfai; forward + backward + SGD for PyTorch${torchVersion ? ` ${torchVersion}` : ''}); ratios: range over rounds. Load average before ${loadBefore}, after ${loadAfter} (${cores} cores).`);
  const out = {
    date: new Date().toISOString(),
    quick,
    rounds,
    machine: { cpus: cores, model: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.arch()}` },
    load: { before: loadBefore, after: loadAfter },
    torch: noTorch ?? torchVersion,
    threads: threadCounts,
    rows: results,
    table: md,
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(out, null, 2));
  console.log('wrote bench/results.json');
}

await main();
