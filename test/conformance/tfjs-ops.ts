/**
 * TensorFlow.js's own op tests as a conformance suite for tfai's wasm kernels: builds the runner
 * (`tfjs-ops-runner.ts`, bundled with esbuild so that the specs, tfjs-backend-wasm and tfai's
 * kernels share one engine), runs it in one child process per configuration, and compares each
 * tfai configuration with stock tfjs-backend-wasm: a spec that passes on stock must pass with
 * tfai's kernels. `registerWasmTrainingKernels` promises any TF.js program tfai's kernels.
 *
 * Used by `tfjs-ops.test.ts` and, from the command line, `npm run test:conformance`
 * (`tsx test/conformance/tfjs-ops.ts`), which prints the figures.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResults, SpecOutcome } from './tfjs-ops-runner.js';
import filterFile from './wasm-test-filters.json';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the bundle and the results go (inside the repository, so that packages resolve from it). */
export const WORK_DIR = path.join(repo, 'node_modules', '.cache', 'tfai-conformance');

/** A configuration: tfjs-backend-wasm's kernels or tfai's, on `threads` threads, thresholds as shipped or forced low. */
export type Config = { kernels: 'stock' | 'tfai'; threads: number; forcedLow?: boolean };

/** The configurations the suite runs: stock, and tfai's kernels on 1 and 2 threads, with thresholds as shipped and forced low. */
export const CONFIGS: Config[] = [
  { kernels: 'stock', threads: 1 },
  { kernels: 'tfai', threads: 1 },
  { kernels: 'tfai', threads: 2 },
  { kernels: 'tfai', threads: 1, forcedLow: true },
  { kernels: 'tfai', threads: 2, forcedLow: true },
];

/** `tfai, 2 threads, thresholds forced low`. */
export function configName(c: Config): string {
  return `${c.kernels}, ${c.threads} thread${c.threads > 1 ? 's' : ''}${c.forcedLow ? ', thresholds forced low' : ''}`;
}

/** Bundle the runner; returns its path. */
export async function buildRunner(): Promise<string> {
  mkdirSync(WORK_DIR, { recursive: true });
  const outfile = path.join(WORK_DIR, 'runner.cjs');
  const core = path.join(repo, 'node_modules/@tensorflow/tfjs-core/dist/index.js');
  await build({
    entryPoints: [path.join(repo, 'test/conformance/tfjs-ops-runner.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
    // the packages' ES2017 module builds: their Node bundles are ES5, whose classes cannot extend
    // the ES2017 classes of tfjs-core's module build
    mainFields: ['module', 'main'],
    // tfjs-core's package.json lists its side-effect modules, and the spec files are not among them
    ignoreAnnotations: true,
    // tfjs-core's ES-module sources, which the specs import by relative paths, are the one engine:
    // the backends' and tfai's `@tensorflow/tfjs-core` resolve to them too (not to its Node bundle).
    plugins: [{ name: 'one-tfjs-core', setup: (b) => void b.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({ path: core })) }],
    external: ['jasmine-core', 'jasmine-core/*', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', 'webgpu'],
    define: { 'import.meta.url': '__runnerUrl' },
    banner: { js: "const __runnerUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  return outfile;
}

type Filter = { include?: string; startsWith?: string; excludes?: string[] };

/**
 * Whether tfjs-backend-wasm's include list takes spec `name` (the rule of tfjs-core's
 * `setupTestFilters` with tfjs-backend-wasm's `customInclude`): specs that do not run on the
 * `test-wasm` environment always; the others when an entry includes them and none of its excludes
 * matches.
 */
export function inWasmIncludeList(name: string): boolean {
  if (name.indexOf('test-wasm') < 0 || name.startsWith('wasm')) return true;
  for (const f of filterFile.filters as Filter[]) {
    if ((f.include !== undefined && name.includes(f.include)) || (f.startsWith !== undefined && name.startsWith(f.startsWith))) {
      return !(f.excludes ?? []).some((e) => name.includes(e));
    }
  }
  return false;
}

/**
 * Run one configuration in a child process — every spec of the wasm test environment, the include
 * list's and the others (`inWasmIncludeList` tells them apart) — and resolve with its results.
 */
export function runConfig(runner: string, c: Config, log: (line: string) => void = () => {}): Promise<RunResults> {
  const out = path.join(WORK_DIR, `${c.kernels}-${c.threads}${c.forcedLow ? '-low' : ''}.json`);
  const args = [runner, '--out', out, '--kernels', c.kernels, '--threads', String(c.threads), '--all-specs', ...(c.forcedLow ? ['--forced-low'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (b: Buffer): void => {
      output += b.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the tfjs op tests (${configName(c)}) exited with code ${code}:\n${output.slice(-4000)}`));
      const r = JSON.parse(readFileSync(out, 'utf8')) as RunResults;
      log(output.trim().split('\n').at(-1) ?? '');
      resolve(r);
    });
  });
}

/** How a tfai configuration compares with stock. */
export type Comparison = {
  /** Specs that pass on stock and fail with tfai's kernels (each must be fixed). */
  regressions: SpecOutcome[];
  /** Specs that fail on stock and pass with tfai's kernels. */
  fixed: string[];
  /** Specs stock ran that this configuration did not (the runs must cover the same specs). */
  missing: string[];
};

/** Specs by name and occurrence (a few specs share a full name; the order of a run is fixed). */
function keyed(specs: SpecOutcome[]): Map<string, SpecOutcome> {
  const seen = new Map<string, number>();
  return new Map(
    specs.map((s) => {
      const n = seen.get(s.name) ?? 0;
      seen.set(s.name, n + 1);
      return [n ? `${s.name} (#${n + 1})` : s.name, s];
    }),
  );
}

/** Compare `tfai` with `stock` spec by spec. */
export function compare(stock: RunResults, tfai: RunResults): Comparison {
  const mine = keyed(tfai.specs);
  const regressions: SpecOutcome[] = [];
  const fixed: string[] = [];
  const missing: string[] = [];
  for (const [key, s] of keyed(stock.specs)) {
    const t = mine.get(key);
    if (!t) missing.push(key);
    else if (s.status === 'passed' && t.status === 'failed') regressions.push(t);
    else if (s.status === 'failed' && t.status === 'passed') fixed.push(key);
  }
  return { regressions, fixed, missing };
}

/** Specs run and passed, in the include list and in all. */
export function counts(r: RunResults): { listed: number; listedPass: number; all: number; allPass: number } {
  const listed = r.specs.filter((s) => inWasmIncludeList(s.name));
  return { listed: listed.length, listedPass: listed.filter((s) => s.status === 'passed').length, all: r.specs.length, allPass: r.specs.filter((s) => s.status === 'passed').length };
}

/** One line of figures for a run (and its comparison with stock). */
export function summary(r: RunResults, cmp?: Comparison): string {
  const n = counts(r);
  const base = `${r.config}: include list ${n.listedPass}/${n.listed} pass, all specs ${n.allPass}/${n.all} pass (${r.seconds.toFixed(0)} s)`;
  return cmp ? `${base}; against stock: ${cmp.regressions.length} regressions, ${cmp.fixed.length} fixed, ${cmp.missing.length} not run` : base;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const runner = await buildRunner();
  const only = process.argv.slice(2);
  const configs = only.length ? CONFIGS.filter((c) => only.some((o) => configName(c).includes(o))) : CONFIGS;
  const stock = await runConfig(runner, CONFIGS[0]);
  console.log(summary(stock));
  let bad = 0;
  for (const c of configs.filter((x) => x.kernels === 'tfai')) {
    const r = await runConfig(runner, c);
    const cmp = compare(stock, r);
    console.log(summary(r, cmp));
    for (const s of cmp.regressions) console.log(`  REGRESSION ${s.name}\n    ${s.message}`);
    for (const n of cmp.missing.slice(0, 10)) console.log(`  NOT RUN ${n}`);
    bad += cmp.regressions.length + cmp.missing.length;
  }
  console.log(`conformance: ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  process.exit(bad ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
