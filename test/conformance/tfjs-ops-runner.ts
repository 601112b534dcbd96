/**
 * Runs TensorFlow.js's own op tests — tfjs-core 4.22's `dist/**\/*_test.js`, as jasmine specs — on
 * the wasm backend, under tfjs-backend-wasm's test environment (`test-wasm`, data-sync) and include
 * list (`wasm-test-filters.json`), and writes every spec's outcome to a JSON file. Run once per
 * configuration (the parent, `tfjs-ops.ts`, compares them):
 *
 *     node runner.cjs --out results.json --kernels stock|tfai [--threads N] [--forced-low] [--all-specs]
 *
 * `stock` is tfjs-backend-wasm as shipped; `tfai` registers tfai's kernels
 * (`registerWasmTrainingKernels`) and starts the backend as `initBackend('wasm', { threads })`
 * does; `--forced-low` sets the kernels' size thresholds to zero, so that tfai's thread pool and
 * direct convolution run on every case they accept; `--all-specs` runs every spec of the wasm test
 * environment, not only those of the include list (which leaves out, among others, the gradient
 * specs of the convolutions: tfai's own kernels).
 *
 * This file is bundled (esbuild, see `tfjs-ops.ts`) with tfjs-core's ES-module sources, so that
 * the specs, tfjs-backend-wasm and tfai's kernels share one TF.js engine.
 *
 * The backend is started once and kept: the specs' `ENGINE.reset()` (before and after each block)
 * would otherwise restart it per block, which the threaded build cannot do. Each reset frees every
 * tensor of the kept backend instead, and each spec still runs in its own engine scope.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../src/backend/tf.js';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/register-kernels.js';
import { startWasmBackend } from '../../src/backend/wasm/threads.js';
import { setKernelThreads, setParallelThreshold } from '../../src/backend/wasm/pool.js';
import { setDirectConvLimits, useDirectConvDefaults } from '../../src/backend/wasm/conv2d-forward.js';
import { guardWasmMalloc } from '../../src/backend/wasm/memory-guard.js';
import filterFile from './wasm-test-filters.json';

// jasmine-core is loaded at run time (external to the bundle), as tfjs-core's jasmine_util loads it.
declare const require: NodeRequire;
const jasmineRequire = require('jasmine-core/lib/jasmine-core/jasmine.js');
const bootJasmine = require('jasmine-core/lib/jasmine-core/node_boot.js') as (r: unknown) => JasmineLike;

type SpecResult = { fullName: string; status: string; failedExpectations: { message: string }[] };
type JasmineLike = {
  getEnv(): {
    configure(c: Record<string, unknown>): void;
    addReporter(r: Record<string, (r: SpecResult & { overallStatus?: string }) => void>): void;
    execute(): void;
  };
};

/** One spec's outcome as written to the results file. */
export type SpecOutcome = { name: string; status: 'passed' | 'failed'; message?: string };
/** The results file. */
export type RunResults = { config: string; backend: string; threads: number; specs: SpecOutcome[]; seconds: number };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = arg('--out');
const kernels = arg('--kernels') ?? 'tfai';
const threads = Number(arg('--threads') ?? 1);
const forcedLow = process.argv.includes('--forced-low');
/** Every spec of the wasm test environment, not only tfjs-backend-wasm's include list. */
const allSpecs = process.argv.includes('--all-specs');
if (!out || (kernels !== 'stock' && kernels !== 'tfai') || !(threads >= 1)) {
  throw new Error('usage: runner.cjs --out <file> --kernels stock|tfai [--threads N] [--forced-low]');
}
const config = `${kernels}, ${threads} thread${threads > 1 ? 's' : ''}${forcedLow ? ', thresholds forced low' : ''}${allSpecs ? ', all specs' : ''}`;

const jasmine = bootJasmine(jasmineRequire);
const env = jasmine.getEnv();
env.configure({ random: false, stopOnSpecFailure: false });

/** Start the backend once, then keep it across the specs' `ENGINE.reset()` (see the header). */
async function startBackend(): Promise<void> {
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(`${path.join(wasmDir, 'dist')}/`); // the bundle does not sit next to the .wasm files
  if (kernels === 'tfai') {
    registerWasmTrainingKernels();
    const { ok, report } = await startWasmBackend(threads);
    if (!ok || report.threads !== threads) throw new Error(`the wasm backend did not start on ${threads} threads: ${JSON.stringify(report)}`);
    setKernelThreads(report.threads);
    useDirectConvDefaults(report.threads);
    guardWasmMalloc(tf.findBackend('wasm'));
    if (forcedLow) {
      setParallelThreshold(0);
      setDirectConvLimits({ minChannels: 0, minOutWidth: 0, minWork: 0 });
    }
  } else {
    tf.env().set('PROD', false); // let TF.js say why, should it fail
    const ok = await tf.setBackend('wasm');
    tf.env().set('PROD', true);
    if (!ok) throw new Error('the stock wasm backend did not start');
  }
  const be = tf.backend() as tf.KernelBackend & { dataIdMap: { set(id: object, v: unknown): void; delete(id: object): boolean } };
  const live = new Set<object>();
  const set = be.dataIdMap.set.bind(be.dataIdMap);
  const del = be.dataIdMap.delete.bind(be.dataIdMap);
  be.dataIdMap.set = (id, v) => {
    live.add(id);
    set(id, v);
  };
  be.dataIdMap.delete = (id) => {
    live.delete(id);
    return del(id);
  };
  be.dispose = () => {
    for (const id of [...live]) be.disposeData(id as tf.DataId, true);
    live.clear();
  };
  const priority = (tf.engine() as unknown as { registryFactory: Record<string, { priority: number }> }).registryFactory.wasm.priority;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => be, priority);
  await tf.setBackend('wasm');
}

async function main(): Promise<void> {
  const started = performance.now();
  await startBackend();
  // tfjs-core's test machinery, from the same bundle as the engine it tests.
  const util = await import('@tensorflow/tfjs-core/dist/jasmine_util.js');
  util.setTestEnvs([{ name: 'test-wasm', backendName: 'wasm', isDataSync: true }]);
  const include = (name: string): boolean => allSpecs || name.indexOf('test-wasm') < 0 || name.startsWith('wasm');
  util.setupTestFilters(filterFile.filters as Parameters<typeof util.setupTestFilters>[0], include);
  await import('@tensorflow/tfjs-core/dist/tests.js');
  const specs: SpecOutcome[] = [];
  env.addReporter({
    specDone(r) {
      if (r.status !== 'passed' && r.status !== 'failed') return; // excluded by the include list, or pending
      specs.push(r.status === 'passed' ? { name: r.fullName, status: 'passed' } : { name: r.fullName, status: 'failed', message: r.failedExpectations[0]?.message?.slice(0, 400) ?? '' });
    },
    jasmineDone() {
      const results: RunResults = { config, backend: tf.getBackend(), threads, specs, seconds: (performance.now() - started) / 1000 };
      writeFileSync(out!, JSON.stringify(results));
      const failed = specs.filter((s) => s.status === 'failed').length;
      console.log(`tfjs op tests (${config}): ${specs.length} specs, ${specs.length - failed} passed, ${failed} failed, ${results.seconds.toFixed(0)} s`);
      process.exit(0);
    },
  });
  env.execute();
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
