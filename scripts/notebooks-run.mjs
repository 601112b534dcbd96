#!/usr/bin/env node
/**
 * `npm run notebooks:run`: execute notebooks top to bottom with Jupyter (nbclient, through
 * `scripts/run-notebook.py`, and the `tslab` kernel of `npm run notebooks:install`), headless,
 * stopping at the first cell that fails and showing what it printed.
 *
 *   npm run notebooks:run                          # every notebook, outputs saved in place (commit them)
 *   npm run notebooks:run -- notebooks/00_quickstart.ipynb --out /tmp/nb   # executed copies elsewhere
 *
 * The backend is wasm unless `TFAI_BACKEND` says otherwise, so the saved numbers are the ones CI
 * reproduces. Flags: `--out <dir>` (write executed copies there instead of in place),
 * `--jupyter-dir <dir>` (a kernelspec folder from `notebooks:install --jupyter-dir`), `--timeout <s>`
 * (per cell, default 900). Prints each notebook's wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args, positionals } = parseArgs({
  options: { out: { type: 'string' }, 'jupyter-dir': { type: 'string' }, timeout: { type: 'string', default: '900' } },
  allowPositionals: true,
  strict: true,
});

function fail(message) {
  console.error(`notebooks:run: ${message}`);
  process.exit(1);
}

const env = { ...process.env, TFAI_BACKEND: process.env.TFAI_BACKEND || 'wasm' };
if (args['jupyter-dir']) env.JUPYTER_PATH = [path.resolve(args['jupyter-dir']), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);

// A Python with Jupyter's notebook runner, and the kernel registered with it.
const pythons = [process.env.TFAI_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter(Boolean);
const python = pythons.find((py) => spawnSync(py, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' }).status === 0);
if (!python) fail(`no Python with nbclient among ${pythons.join(', ')}: install Jupyter (pip install nbclient ipykernel, or sudo apt-get install python3-nbclient python3-ipykernel jupyter-client)`);
const spec = spawnSync(python, ['-c', "from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec('tslab').argv[1])"], { env, encoding: 'utf8' });
if (spec.status !== 0) fail("Jupyter has no 'tslab' kernel: run `npm run notebooks:install` first");

const notebooks = positionals.length
  ? positionals.map((p) => path.resolve(p))
  : readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(root, 'notebooks', f));
if (args.out) mkdirSync(args.out, { recursive: true });

let total = 0;
for (const nb of notebooks) {
  // in place: executed into a temporary file first, so a failed run leaves the committed notebook as it was
  const dst = args.out ? path.join(path.resolve(args.out), path.basename(nb)) : `${nb}.running`;
  const t0 = performance.now();
  const r = spawnSync(python, ['-Xfrozen_modules=off', path.join(root, 'scripts', 'run-notebook.py'), nb, dst, 'tslab', String(Number(args.timeout))], {
    env: { ...env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    encoding: 'utf8',
    cwd: path.dirname(nb),
    maxBuffer: 64 << 20,
  });
  const secs = (performance.now() - t0) / 1000;
  total += secs;
  if (r.status !== 0) {
    if (!args.out) rmSync(dst, { force: true });
    fail(`${path.relative(root, nb)} failed after ${secs.toFixed(1)} s${args.out ? ` (executed as far as it ran: ${dst})` : ''}:\n${(r.stderr || r.error?.message || '').trim().split('\n').slice(-60).join('\n')}`);
  }
  if (!args.out) renameSync(dst, nb);
  console.log(`${path.relative(root, nb)}: ${secs.toFixed(1)} s`);
}
console.log(`notebooks:run: ${notebooks.length} notebook(s) in ${total.toFixed(1)} s`);
