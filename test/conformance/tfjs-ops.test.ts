/**
 * Conformance: TensorFlow.js's own op tests (tfjs-core 4.22, 4,225 jasmine specs on the wasm test
 * environment, 2,783 of them in tfjs-backend-wasm's include list) with tfai's kernels registered,
 * on 1 and 2 threads, with the kernels' size thresholds as shipped and forced low (so that the
 * thread pool and the direct convolution run on every case they accept). Every spec that passes on
 * stock tfjs-backend-wasm must pass with tfai's kernels: `registerWasmTrainingKernels` promises
 * any TF.js program tfai's kernels. See test/conformance/tfjs-ops.ts; `npm run test:conformance`
 * prints the same figures.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, buildRunner, compare, configName, counts, runConfig, summary } from './tfjs-ops.js';
import type { RunResults } from './tfjs-ops-runner.js';

describe('TensorFlow.js op tests on the wasm backend', () => {
  let runner: string;
  let stock: RunResults;

  beforeAll(async () => {
    runner = await buildRunner();
    stock = await runConfig(runner, CONFIGS[0]!);
    console.log(`conformance: ${summary(stock)}`);
  }, 600_000);

  it('stock tfjs-backend-wasm passes every spec of its own include list (the harness runs them as TF.js does)', () => {
    const n = counts(stock);
    expect(n.listed).toBeGreaterThan(2700);
    expect(n.all).toBeGreaterThan(4000);
    expect(n.listedPass).toBe(n.listed);
  });

  for (const c of CONFIGS.slice(1)) {
    it(`tfai's kernels (${configName(c)}): every spec that passes on stock passes`, async () => {
      const r = await runConfig(runner, c);
      const cmp = compare(stock, r);
      console.log(`conformance: ${summary(r, cmp)}`);
      expect(cmp.missing).toEqual([]);
      expect(cmp.regressions.map((s) => `${s.name}: ${s.message}`)).toEqual([]);
    }, 600_000);
  }
});
