/**
 * Thread scaling measured in interleaved windows (`npm run bench:scaling`): for each model, a
 * 1-thread and an N-thread training process (bench/step-child.ts `--serve`) are started and warmed
 * up one after the other, then take turns on the cores — a window of k steps on one, the same on
 * the other, in alternating order — so that both sides of each ratio are measured within seconds
 * of each other. On a shared machine whose speed drifts by ±50% over minutes (seen on this
 * project's 2-core VMs), the separate processes of `npm run bench` can land one side in a slow
 * minute and the other in a fast one; here a drift reaches both sides of a pair alike.
 *
 *   npm run bench:scaling -- [--models resnet-narrow,resnet18] [--windows 7] [--window-s 3] [--threads N] [--warmup-s 4] [--capacity false]
 *
 * Per model: each side's median step over all windows, the speed-up (1-thread ms / N-thread ms)
 * of every window pair, and their median and range. Writes bench/scaling-results.json.
 *
 * The machine's own share in each ratio (on by default, `--capacity false` skips it): a second
 * 1-thread process is started too, and after each pair the two 1-thread processes run a window
 * at the same time. Their steps per second together over the first one's alone is what the cores
 * gave to two independent copies of the same work in those seconds (2.0 on idle cores of their
 * own; less when the host's other tenants, shared caches or memory bandwidth take it) — the most a
 * split of one step could have gained then. The report gives its median next to the speed-up, and
 * the median of speed-up / capacity per pair: the N-thread process's steps per second over the two
 * 1-thread processes' together, in which the alone window's luck cancels out. (Two processes: with
 * `--threads` above 2 it still says what two cores give side by side, not N.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { logicalCores, WASM_MAX_THREADS } from '../src/backend/wasm/threads.js';
import { MODELS } from './models.js';
import { median, range } from './stats.js';

const { values: argv } = parseArgs({
  options: {
    models: { type: 'string' }, windows: { type: 'string' }, 'window-s': { type: 'string' }, threads: { type: 'string' },
    'warmup-s': { type: 'string' }, bs: { type: 'string' }, capacity: { type: 'string' },
  },
});
const models = (argv.models ?? 'resnet-narrow,resnet18').split(',');
for (const m of models) if (!MODELS[m]) throw new Error(`bench:scaling: unknown model '${m}' (one of ${Object.keys(MODELS).join(', ')})`);
// an odd default, so that the median speed-up is one pair's
const windows = Number(argv.windows ?? 7);
const windowMs = 1000 * Number(argv['window-s'] ?? 3);
const warmupMs = 1000 * Number(argv['warmup-s'] ?? 4);
const capacity = (argv.capacity ?? 'true') !== 'false';
const many = Math.min(Number(argv.threads ?? logicalCores()), WASM_MAX_THREADS);
if (!(windows >= 1) || !(windowMs > 0) || !(many >= 2)) throw new RangeError('bench:scaling: --windows >= 1, --window-s > 0 and at least 2 threads (--threads or the logical cores) are needed');
/** Batch size per model (those of `npm run bench`). */
const BS: Record<string, number> = { course: 64, 'course-rbn': 32, 'cifar-cnn': 256, 'resnet-narrow': 128, resnet18: 128 };

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

type Reply = { ready: true; warmupSteps: number; lastStepMs: number } | { window: number[]; cpu: number[] };

/** A warmed-up training process that times windows of steps on request. */
class Side {
  private readonly child: ChildProcess;
  private readonly replies: Reply[] = [];
  private waiting?: () => void;
  private exited?: string;
  private stdout = '';

  constructor(model: string, bs: number, readonly threads: number) {
    this.child = spawn(process.execPath, [
      '--import', 'tsx', `${here}step-child.ts`, '--model', model, '--bs', String(bs), '--threads', String(threads),
      '--warmup', '3', '--warmup-ms', String(warmupMs), '--serve',
    ], { cwd: repo, env: { ...process.env, TFAI_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.on('message', (m) => {
      this.replies.push(m as Reply);
      this.waiting?.();
    });
    this.child.on('exit', (code) => {
      this.exited = `exited with code ${code}`;
      this.waiting?.();
    });
  }

  /** The child's next reply. */
  async reply(): Promise<Reply> {
    while (this.replies.length === 0) {
      if (this.exited) throw new Error(`bench:scaling: the ${this.threads}-thread child ${this.exited}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return this.replies.shift()!;
  }

  /** Times `k` steps; their ms. */
  async window(k: number): Promise<number[]> {
    this.child.send({ run: k });
    const r = await this.reply();
    if (!('window' in r)) throw new Error('bench:scaling: expected a window of step times');
    return r.window;
  }

  /** Stops the child; its peak RSS in bytes. */
  async stop(): Promise<number> {
    this.child.send({ stop: true });
    await new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once('exit', () => resolve())));
    const last = this.stdout.trim().split('\n').at(-1) ?? '{}';
    return (JSON.parse(last) as { peakRss?: number }).peakRss ?? NaN;
  }
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`tfai bench:scaling: ${models.join(', ')}; 1 vs ${many} threads, ${windows} window pairs of ≈${windowMs / 1000} s (1-thread side), load average ${load()}`);
const rows: Array<Record<string, unknown>> = [];
const table: string[] = [];
for (const model of models) {
  const bs = Number(argv.bs ?? BS[model] ?? 64);
  const one = new Side(model, bs, 1);
  const r1 = await one.reply(); // warmed up alone, then idle while the other warms up
  const all = new Side(model, bs, many);
  await all.reply();
  const twin = capacity ? new Side(model, bs, 1) : undefined;
  await twin?.reply();
  const stepMs = 'lastStepMs' in r1 ? r1.lastStepMs : 1000;
  const k = Math.max(1, Math.round(windowMs / Math.max(1, stepMs)));
  const ones: number[] = [];
  const alls: number[] = [];
  const ratios: number[] = [];
  const caps: number[] = [];
  for (let w = 0; w < windows; w++) {
    let a: number[];
    let b: number[];
    if (w % 2 === 0) {
      a = await one.window(k);
      b = await all.window(k);
    } else {
      b = await all.window(k);
      a = await one.window(k);
    }
    ones.push(...a);
    alls.push(...b);
    ratios.push(median(a) / median(b));
    let cap = '';
    if (twin) {
      // both 1-thread processes at once: their steps per second together over the first one's alone
      const [c1, c2] = await Promise.all([one.window(k), twin.window(k)]);
      caps.push(median(a) * (1 / median(c1) + 1 / median(c2)));
      cap = `; two 1t processes at once ${median(c1).toFixed(1)} / ${median(c2).toFixed(1)} ms/step, capacity ${caps.at(-1)!.toFixed(2)}`;
    }
    console.log(`  ${MODELS[model]!.label} bs ${bs}, pair ${w + 1}: 1t ${median(a).toFixed(1)} ms/step, ${many}t ${median(b).toFixed(1)} ms/step, speed-up ${ratios.at(-1)!.toFixed(2)}${cap}`);
  }
  const rss = [await one.stop(), await all.stop()];
  await twin?.stop();
  const cells = [MODELS[model]!.label, String(bs), String(k), median(ones).toFixed(1), median(alls).toFixed(1), median(ratios).toFixed(2), range(ratios)];
  // speed-up over capacity, per pair: the N-thread process's steps per second over the two 1-thread
  // processes' together (the alone window cancels out)
  const shares = caps.map((c, i) => ratios[i]! / c);
  if (twin) cells.push(`${median(caps).toFixed(2)} (${range(caps)})`, `${median(shares).toFixed(2)} (${range(shares)})`);
  table.push(`| ${cells.join(' | ')} |`);
  rows.push({ model, bs, stepsPerWindow: k, ms1: median(ones), msN: median(alls), speedups: ratios, ...(twin ? { capacities: caps, speedupOverCapacity: shares } : {}), peakRss: rss });
}
const head = ['model', 'bs', 'steps/window', 'tfai 1t ms', `tfai ${many}t ms`, `speed-up 1t / ${many}t (median)`, 'range over window pairs'];
if (capacity) head.push('capacity: two 1t processes at once / one alone (median, range)', 'speed-up / capacity (median, range)');
const md = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...table].join('\n');
console.log(`\n${md}\n\nms: median step over all windows; speed-up: per window pair, 1-thread median / ${many}-thread median${capacity ? '; capacity: per pair, the two 1-thread processes\' steps per second when run at once over the first one\'s alone' : ''}. Load average after: ${load()} (${logicalCores()} cores).`);
writeFileSync(`${repo}bench/scaling-results.json`, `${JSON.stringify({ date: new Date().toISOString(), threads: many, windows, windowMs, rows, table: md }, null, 2)}\n`);
console.log('wrote bench/scaling-results.json');
