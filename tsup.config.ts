import { defineConfig } from 'tsup';

/**
 * The package's entries: `tfai` and its sub-paths (`tfai/io`, `tfai/backend`, `tfai/plot`,
 * `tfai/data`), each built as ES module (`.js`) and CommonJS (`.cjs`) with declarations.
 *
 * `splitting` is on for both formats so that modules used by several entries live in shared chunks
 * and are loaded once: tfai has module-level state (the global RNG, the chosen backend, the wasm
 * kernel registration) that must be one instance whether a program imports `tfai`, `tfai/data` or
 * both. For CommonJS tsup splits the ES build and turns its chunks into `require`s (its "cjs
 * splitting"); `shims` maps `import.meta.url` to the `.cjs` file's own URL there.
 * Source maps stay out of the package; `npm run build -- --sourcemap` adds them for debugging.
 * `keepNames` pins every class's `name`: the CommonJS conversion wraps class expressions in
 * temporaries (`_class10 = class extends Module …`), which would otherwise rename them, and
 * `summary(model)`, `model.toString()` and error messages print class names.
 */
const CHAINED_OPS_TYPES = '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'io/index': 'src/io/index.ts',
    'backend/index': 'src/backend/index.ts',
    'plot/index': 'src/plot/index.ts',
    'data/index': 'src/data/index.ts',
    // the body of the image-decoding worker threads, started by URL (src/data/decode-pool.ts)
    'data/decode-worker': 'src/data/decode-worker.ts',
  },
  format: ['esm', 'cjs'],
  splitting: true,
  shims: true,
  dts: {
    // tfjs-core declares the chained tensor methods (`x.sum()`) as augmentations of its Tensor type
    // in a file of their own; each declaration file imports it so downstream projects see them
    // (`.js`, so that it resolves under NodeNext's ES-module rules as well as CommonJS's).
    banner: `import '${CHAINED_OPS_TYPES}.js';`,
  },
  clean: true,
  sourcemap: false,
  target: 'node20',
  esbuildOptions(options) {
    options.keepNames = true;
  },
});
