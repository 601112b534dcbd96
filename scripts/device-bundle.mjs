/**
 * Builds `.device/`: a self-contained copy of what `bench/gpu-check.ts` and
 * `examples/fashion-recipe.ts` need, for a linux-x64 machine with a GPU but no network (no
 * `npm ci` there) and a small upload limit (node_modules here is ≈ 350 MB; this is ≈ 30 MB):
 *
 *   .device/gpu-check.mjs, .device/fashion-recipe.mjs   the two programs, bundled with tfai (ESM)
 *   .device/node_modules/…                              what they load at run time: the @tensorflow
 *       packages' Node entries (one tfjs-core for the bundles and the backends alike) and the
 *       wasm backend's binaries, Dawn's linux-x64 `dawn.node`, resvg's linux-x64 binary, two
 *       DejaVu fonts, and the few CommonJS packages tfjs-core requires
 *   .device-data/fashion-mnist/                         with `--data [dir]`: the Fashion-MNIST
 *       files (default: Debian's /usr/share/datasets/fashion-mnist), ≈ 30 MB — a folder of its own:
 *       with Node, bundle and data together over the device's 64 MiB upload, they travel in two calls
 *   .device/node.xz                                     with `--node`: this Node binary, xz-compressed
 *       (≈ 24 MB; for a machine without Node — unpack it with Python's lzma, see the README)
 *
 *   node scripts/device-bundle.mjs [--data [dir]] [--node] [--out dir]   (--out: instead of .device/)
 *   # then, on the machine: node .device/gpu-check.mjs --budget 200
 *   #                       node .device/fashion-recipe.mjs --backend webgpu --dir .device-data/fashion-mnist …
 *
 * Runs after `npm run build` (it needs the vendored tfjs-core gradients). Both folders are ignored by git.
 */
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out = outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]) : path.join(repo, '.device');
const dataOut = path.join(repo, '.device-data', 'fashion-mnist');
const nm = path.join(repo, 'node_modules');
const dataAt = argv.indexOf('--data');
const dataDir = dataAt < 0 ? undefined : argv[dataAt + 1] && !argv[dataAt + 1].startsWith('--') ? argv[dataAt + 1] : '/usr/share/datasets/fashion-mnist';

const fail = (msg) => {
  console.error(`device-bundle: ${msg}`);
  process.exit(1);
};
if (!existsSync(path.join(repo, 'src/backend/vendor/tfjs-core-gradients.js'))) fail('run `npm run build` first (src/backend/vendor/tfjs-core-gradients.js is missing)');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. The programs. Everything loaded from node_modules at run time stays external (one tfjs-core
//    instance for tfai, the backends and the dynamically imported webgpu backend).
const external = ['@tensorflow/*', 'webgpu', '@resvg/resvg-js', 'dejavu-fonts-ttf'];
await build({
  entryPoints: { 'gpu-check': path.join(repo, 'bench/gpu-check.ts'), 'fashion-recipe': path.join(repo, 'examples/fashion-recipe.ts') },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require().
  banner: { js: "import { createRequire as __tfaiCreateRequire } from 'node:module'; const require = __tfaiCreateRequire(import.meta.url);" },
});

// 2. The run-time packages, only the files Node loads.
const copy = (rel, files) => {
  const from = path.join(nm, rel);
  if (!existsSync(from)) fail(`node_modules/${rel} is missing (npm ci first; webgpu and @tensorflow/tfjs-backend-webgpu are optional dependencies)`);
  for (const f of files ?? ['.']) {
    const src = path.join(from, f);
    if (!existsSync(src)) fail(`node_modules/${rel}/${f} is missing`);
    cpSync(src, path.join(out, 'node_modules', rel, f), { recursive: true });
  }
};
const mainOf = (rel) => JSON.parse(readFileSync(path.join(nm, rel, 'package.json'), 'utf8')).main;
for (const p of ['tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-webgpu']) copy(`@tensorflow/${p}`, ['package.json', mainOf(`@tensorflow/${p}`)]);
copy('@tensorflow/tfjs-backend-wasm', ['package.json', mainOf('@tensorflow/tfjs-backend-wasm'), 'wasm-out', ...['', '-simd', '-threaded-simd'].map((v) => `dist/tfjs-backend-wasm${v}.wasm`)]);
for (const p of ['seedrandom', 'node-fetch', 'whatwg-url', 'tr46', 'webidl-conversions']) copy(p);
copy('webgpu', ['package.json', 'index.js', 'dist/linux-x64']);
// dawn.node ships with its symbol table (21.5 MB; 17.5 without): strip it where binutils is installed.
try {
  execFileSync('strip', ['--strip-unneeded', path.join(out, 'node_modules/webgpu/dist/linux-x64/dawn.node')]);
} catch {
  console.log('device-bundle: `strip` failed or is missing; dawn.node stays unstripped (4 MB more)');
}
copy('@resvg/resvg-js', ['package.json', 'index.js', 'js-binding.js']);
copy('@resvg/resvg-js-linux-x64-gnu');
copy('dejavu-fonts-ttf', ['package.json', 'ttf/DejaVuSans.ttf', 'ttf/DejaVuSans-Bold.ttf']);

// 3. This Node binary, if asked for (the lent GPU machines have Python, not Node).
if (argv.includes('--node')) {
  try {
    execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${path.join(out, 'node.xz')}"`]);
  } catch {
    fail('--node needs xz (apt-get install xz-utils)');
  }
}

// 4. The data, if asked for.
if (dataDir) {
  const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  for (const n of names) if (!existsSync(path.join(dataDir, n))) fail(`--data: ${path.join(dataDir, n)} is missing (apt-get install dataset-fashion-mnist)`);
  rmSync(dataOut, { recursive: true, force: true });
  mkdirSync(dataOut, { recursive: true });
  for (const n of names) cpSync(path.join(dataDir, n), path.join(dataOut, n));
}

const du = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((a, f) => a + du(path.join(p, f)), 0) : statSync(p).size);
console.log(`device-bundle: wrote ${out}/ (${(du(out) / 2 ** 20).toFixed(1)} MiB)${argv.includes('--node') ? ` with Node ${process.version}` : ''}` +
  `${dataDir ? `; .device-data/ (${(du(dataOut) / 2 ** 20).toFixed(1)} MiB): Fashion-MNIST from ${dataDir}` : ''}`);
