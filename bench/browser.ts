/**
 * `npm run bench:browser [-- --rounds 3] [-- --quick] [-- --warmup-s 4] [-- --threads N]`
 *
 * Training-step time of tfai in a Chromium tab against the same step in Node, on the wasm backend
 * with the same thread counts (1 and all logical cores, or `--threads N`): the course's BatchNorm
 * convnet at bs 64 and 512 and the narrow ResNet at bs 128.
 *
 * - Node: bench/step-child.ts in a fresh process per measurement (as `npm run bench`);
 * - the tab: bench/browser-step.ts, bundled from the same sources with tfai's browser modules,
 *   in a fresh page per measurement of Debian's Chromium (headless, `CHROMIUM_PATH`), served
 *   cross-origin isolated so that the page can run threads;
 * - both warm up for at least a few steps and `--warmup-s` seconds (default 4), then time the
 *   median step;
 * - each round runs Node and the tab back to back, in an order that alternates from round to round,
 *   so that a change in the machine's load hits both alike; the table gives each side's median over
 *   rounds and the range of the per-round ratios tab / Node.
 *
 * Writes bench/browser-results.json and prints a Markdown table (docs/browser.md's).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { browserModules } from '../scripts/browser-modules.mjs';
import { launchChromium, openPage, serveFolder } from '../test/helpers/chromium.js';
import { logicalCores, WASM_MAX_THREADS } from '../src/backend/wasm/thread-count.js';
import { median, range } from './stats.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

const { values: argv } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, threads: { type: 'string' }, 'warmup-s': { type: 'string' } } });
const quick = argv.quick ?? false;
const rounds = Number(argv.rounds ?? (quick ? 1 : 3));
const warmupMs = 1000 * Number(argv['warmup-s'] ?? (quick ? 1 : 4));
const many = Math.min(Number(argv.threads ?? logicalCores()), WASM_MAX_THREADS);
const threadCounts = many > 1 ? [1, many] : [1];

/** A row: model and batch size, and how many steps to time (odd: a median is one measured step). */
type Row = { model: string; label: string; bs: number; steps: number; warmup: number };
const ROWS: Row[] = quick
  ? [{ model: 'course', label: 'course BN convnet', bs: 64, steps: 9, warmup: 3 }]
  : [
      { model: 'course', label: 'course BN convnet', bs: 64, steps: 61, warmup: 5 },
      { model: 'course', label: 'course BN convnet', bs: 512, steps: 11, warmup: 3 },
      { model: 'resnet-narrow', label: 'narrow ResNet', bs: 128, steps: 9, warmup: 1 },
    ];

type Measure = { ms: number; threads: number; error?: string; line?: string };

/** The tab's page: bench/browser-step.ts bundled, the `.wasm` files next to it. */
async function buildPage(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tfai-bench-page-'));
  await build({ entryPoints: [join(repo, 'bench/browser-step.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: join(dir, 'main.js'), plugins: [browserModules()], logLevel: 'warning' });
  const wasm = join(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) cpSync(join(wasm, f), join(dir, f));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>tfai bench</title><script type="module" src="./main.js"></script>\n');
  return dir;
}

async function inNode(row: Row, threads: number): Promise<Measure> {
  const args = ['--import', 'tsx', 'bench/step-child.ts', '--model', row.model, '--bs', String(row.bs), '--threads', String(threads), '--steps', String(row.steps), '--warmup', String(row.warmup), '--warmup-ms', String(warmupMs)];
  const { stdout } = await run(process.execPath, args, { cwd: repo, timeout: 1_800_000, maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measure;
}

const dir = await buildPage();
const served = await serveFolder(dir, { isolate: true });
const browser = await launchChromium();

async function inTab(row: Row, threads: number): Promise<Measure> {
  const { page, errors } = await openPage(browser, `${served.url}index.html?model=${row.model}&bs=${row.bs}&threads=${threads}&steps=${row.steps}&warmup=${row.warmup}&warmupMs=${warmupMs}`);
  page.setDefaultTimeout(1_800_000);
  try {
    const r = (await page.evaluate(() => (globalThis as { benchResult?: Promise<unknown> }).benchResult)) as Measure;
    if (r.error || errors.length) throw new Error(`the page failed: ${r.error ?? errors.join('; ')}`);
    if (r.threads !== threads) throw new Error(`the page ran ${r.threads} threads, not ${threads}: ${r.line}`);
    return r;
  } finally {
    await page.close();
  }
}

type Result = { model: string; label: string; bs: number; threads: number; node: number[]; tab: number[] };
const results: Result[] = [];
const load0 = loadavg()[0];
console.log(`bench:browser — ${rounds} round(s), warm-up ≥ ${warmupMs / 1000} s, threads ${threadCounts.join(' and ')}; load average ${load0.toFixed(2)} on ${logicalCores()} logical cores`);
try {
  for (const row of ROWS) {
    for (const threads of threadCounts) {
      const r: Result = { model: row.model, label: row.label, bs: row.bs, threads, node: [], tab: [] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['node', 'tab'] as const) : (['tab', 'node'] as const);
        for (const side of order) {
          const m = side === 'node' ? await inNode(row, threads) : await inTab(row, threads);
          r[side].push(m.ms);
        }
        console.log(`  ${row.label} bs ${row.bs}, ${threads} thread(s), round ${round + 1}: Node ${r.node.at(-1)!.toFixed(1)} ms, tab ${r.tab.at(-1)!.toFixed(1)} ms`);
      }
      results.push(r);
    }
  }
} finally {
  await browser.close();
  await served.close();
  rmSync(dir, { recursive: true, force: true });
}
const load1 = loadavg()[0];

const lines = [
  '| model | bs | threads | Node ms/step | tab ms/step | tab / Node (per round) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.label} | ${r.bs} | ${r.threads} | ${median(r.node).toFixed(1)} | ${median(r.tab).toFixed(1)} | ${range(r.tab.map((t, i) => t / r.node[i]!))} |`),
];
console.log(`\n${lines.join('\n')}\n\nload average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (${logicalCores()} logical cores)`);
writeFileSync(join(repo, 'bench/browser-results.json'), `${JSON.stringify({ date: new Date().toISOString(), rounds, warmupMs, loadavg: [load0, load1], cores: logicalCores(), results }, null, 2)}\n`);
