/// <reference types="@vitest/browser/providers/playwright" />
/**
 * Part of the unit suite run in Chromium (vitest's browser mode, playwright-core driving Debian's
 * Chromium): the tests of the loop, the layers, the optimizers, the data pipeline and the wasm
 * kernels, on tfai's browser modules (each `.browser.ts` sibling in place of its Node module, as in
 * `dist/browser/`), in a cross-origin isolated page. test/browser/unit-suite.test.ts runs it in the
 * Chromium suite (`npx vitest run --config vitest.browser.config.ts` runs it alone).
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { browserSibling } from './scripts/browser-modules.mjs';
import { chromiumArgs, CHROMIUM_PATH, ISOLATION_HEADERS } from './test/helpers/chromium.js';

/** The browser build's rule for Vite: a module with a `.browser.ts` sibling is replaced by it. */
const browserModules: Plugin = {
  name: 'tfai-browser-modules',
  enforce: 'pre',
  resolveId(source, importer) {
    const from = importer?.split('?')[0];
    if (!from || from.includes('/node_modules/')) return null;
    const sibling = browserSibling(source, from);
    return sibling && sibling !== from ? sibling : null;
  },
};

const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const served: Record<string, string> = Object.fromEntries([
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [f, join(wasmDir, f)]),
  ...['mnist-10k-images-idx3-ubyte.gz', 'mnist-10k-labels-idx1-ubyte.gz'].map((f) => [f, join(import.meta.dirname, 'assets', f)]),
]);

/**
 * The files tfai's browser modules fetch from next to themselves (`new URL('./x.wasm',
 * import.meta.url)`): next to the sources here, so the server answers those names from where they
 * are (in `dist/browser/` they are copied beside the code).
 */
const filesNextToCode: Plugin = {
  name: 'tfai-files-next-to-code',
  configureServer(server) {
    server.middlewares.use((req, res, next) => {
      const file = served[basename(new URL(req.url ?? '/', 'http://x').pathname)];
      if (!file) return next();
      res.setHeader('content-type', file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
      createReadStream(file).pipe(res);
    });
  },
};

/** The unit tests that run in a page too (those of the file system, processes and Node's own APIs stay in Node). */
export const BROWSER_UNIT_TESTS = [
  'test/core/callback-rules.test.ts',
  'test/core/hyper-ranges.test.ts',
  'test/core/label-smoothing.test.ts',
  'test/core/labels.test.ts',
  'test/core/loss-value.test.ts',
  'test/core/losses-optim.test.ts',
  'test/core/metrics.test.ts',
  'test/core/no-grad.test.ts',
  'test/core/schedules.test.ts',
  'test/core/validation.test.ts',
  'test/core/freeze.test.ts',
  'test/core/predict.test.ts',
  'test/core/runner.test.ts',
  'test/data/augment.test.ts',
  'test/data/data-loader.test.ts',
  'test/data/loader-state.test.ts',
  'test/data/normalize.test.ts',
  'test/data/tensor-dataset.test.ts',
  'test/models/module.test.ts',
  'test/models/norms.test.ts',
  'test/models/state-dict-self.test.ts',
  'test/models/zoo/cnn.test.ts',
  'test/models/layers/relu-op.test.ts',
  'test/backend/fused-kernels.test.ts',
  'test/backend/pad-kernel.test.ts',
  'test/backend/wasm-kernels.test.ts',
  'test/callbacks/gradient-clipping.test.ts',
  'test/callbacks/gradient-accumulation.test.ts',
  'test/callbacks/monitor.test.ts',
  'test/callbacks/fit-one-cycle.test.ts',
  // what only a page shows (not a `.test.ts`: the Node suite does not run it)
  'test/browser/page.in-browser.ts',
  'test/browser/files.in-browser.ts',
  'test/browser/progress.in-browser.ts',
  'test/browser/images.in-browser.ts',
];

export default defineConfig({
  plugins: [browserModules, filesNextToCode],
  server: { headers: ISOLATION_HEADERS },
  // a page has no environment: what the tests read of it is unset
  define: { 'process.env.TFAI_THREADS': 'undefined' },
  test: {
    include: BROWSER_UNIT_TESTS,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      provider: 'playwright',
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium', launch: { executablePath: CHROMIUM_PATH, args: chromiumArgs() } }],
    },
  },
});
