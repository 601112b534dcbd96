import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { browserModules } from './scripts/browser-modules.mjs';

/**
 * The package's entries: `tfai` and its sub-paths (`tfai/io`, `tfai/backend`, `tfai/plot`,
 * `tfai/data`), built twice.
 *
 * For Node, each as ES module (`.js`) and CommonJS (`.cjs`) with declarations. `splitting` is on
 * for both formats so that modules used by several entries live in shared chunks and are loaded
 * once: tfai has module-level state (the global RNG, the chosen backend, the wasm kernel
 * registration) that must be one instance whether a program imports `tfai`, `tfai/data` or both.
 * For CommonJS tsup splits the ES build and turns its chunks into `require`s (its "cjs
 * splitting"); `shims` maps `import.meta.url` to the `.cjs` file's own URL there.
 *
 * For a browser, into `dist/browser/` (ES modules, one flat folder, the package's `browser`
 * condition): the same sources with each module that has a `.browser.ts` sibling replaced by it
 * (scripts/browser-modules.mjs), so that nothing of Node is left. The folder also holds the files
 * the code fetches from next to itself — tfjs-backend-wasm's `.wasm` files and the embedded digits —
 * which bundlers that follow `new URL('./file', import.meta.url)` (Vite) copy into their output.
 * The declarations are the Node build's (the same names and types).
 *
 * Source maps stay out of the package; `npm run build -- --sourcemap` adds them for debugging.
 * `keepNames` pins every class's `name`: the CommonJS conversion wraps class expressions in
 * temporaries (`_class10 = class extends Module …`), which would otherwise rename them, and
 * `summary(model)`, `model.toString()` and error messages print class names.
 */
const CHAINED_OPS_TYPES = '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

const entries = {
  index: 'src/index.ts',
  'io/index': 'src/io/index.ts',
  'backend/index': 'src/backend/index.ts',
  'plot/index': 'src/plot/index.ts',
  'data/index': 'src/data/index.ts',
};

/** The browser build's entries: flat (`io.js`, …), so that every file sits next to the fetched files. */
const browserEntries = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.replace(/\/index$/, ''), v]));

/** Copy the files the browser build fetches from next to itself into `dist/browser/`. */
function copyBrowserFiles(): void {
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync('dist/browser', { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) cpSync(join(wasmDir, f), join('dist/browser', f));
  for (const f of ['mnist-10k-images-idx3-ubyte.gz', 'mnist-10k-labels-idx1-ubyte.gz']) cpSync(join('assets', f), join('dist/browser', f));
}

const node: Options = {
  // plus the body of the image-decoding worker threads, started by URL (src/data/decode-pool.ts)
  entry: { ...entries, 'data/decode-worker': 'src/data/decode-worker.ts' },
  format: ['esm', 'cjs'],
  splitting: true,
  shims: true,
  dts: {
    // tfjs-core declares the chained tensor methods (`x.sum()`) as augmentations of its Tensor type
    // in a file of their own; each declaration file imports it so downstream projects see them
    // (`.js`, so that it resolves under NodeNext's ES-module rules as well as CommonJS's).
    banner: `import '${CHAINED_OPS_TYPES}.js';`,
  },
  // everything but the browser build, which builds itself at the same time
  clean: ['!browser/**'],
  sourcemap: false,
  target: 'node20',
  esbuildOptions(options) {
    options.keepNames = true;
  },
};

const browser: Options = {
  entry: browserEntries,
  outDir: 'dist/browser',
  format: ['esm'],
  platform: 'browser',
  splitting: true,
  dts: false,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  esbuildPlugins: [browserModules()],
  // class and function names are tfai's API (metric names, callback and optimizer names in
  // checkpoints, summaries): esbuild's `__name` calls keep them through a user's minifier
  esbuildOptions(options) {
    options.keepNames = true;
  },
  onSuccess: async () => copyBrowserFiles(),
};

export default defineConfig([node, browser]);
