#!/usr/bin/env node
/**
 * `npm run notebooks:install`: everything the notebooks in notebooks/ need, in one command.
 *
 * 1. `npm ci` in notebooks/ — a small project like a user's own: tfai (this repository, linked as
 *    `file:..`, so `import … from 'tfai'` resolves exactly as it does for users) and the tslab
 *    kernel. tslab lives there rather than in the root's devDependencies because it ships its own
 *    TypeScript 5.0 whose `tsc` would take over the root's `node_modules/.bin/tsc`.
 * 2. tfai's `dist/` (what `from 'tfai'` loads), built if missing.
 * 3. A check that tslab's ZeroMQ addon loads (npm 11 blocks its install script; the prebuilt
 *    binary it ships is what runs).
 * 4. The kernelspec `tslab` ("TypeScript (tfai)"): this Node and this tslab, written to the user's
 *    Jupyter data folder, or to `<dir>/kernels/tslab` with `--jupyter-dir <dir>` (then run Jupyter
 *    with `JUPYTER_PATH=<dir>`).
 * 5. A look for Jupyter itself, with what to install when it is missing.
 *
 * Flags: `--jupyter-dir <dir>`, `--skip-npm` (notebooks/node_modules already installed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const notebooks = path.join(root, 'notebooks');
const { values: args } = parseArgs({ options: { 'jupyter-dir': { type: 'string' }, 'skip-npm': { type: 'boolean' } }, strict: true });

function fail(message) {
  console.error(`notebooks:install: ${message}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', shell: process.platform === 'win32', ...opts });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

// 1. notebooks/node_modules: tfai linked, tslab
if (!args['skip-npm']) {
  console.log('notebooks:install: npm ci in notebooks/ (tslab, and tfai linked from this repository)');
  if (run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: notebooks }) !== 0) fail('npm ci in notebooks/ failed (see above)');
}
const tslabBin = path.join(notebooks, 'node_modules', 'tslab', 'bin', 'tslab');
if (!existsSync(tslabBin)) fail(`${path.relative(root, tslabBin)} is missing: run without --skip-npm`);
if (!existsSync(path.join(notebooks, 'node_modules', 'tfai', 'package.json'))) fail('notebooks/node_modules/tfai (the link to this repository) is missing: run without --skip-npm');

// 2. dist/, what `from 'tfai'` loads
if (!existsSync(path.join(root, 'dist', 'index.cjs'))) {
  console.log('notebooks:install: building tfai (dist/ is missing)');
  if (run('npm', ['run', 'build'], { cwd: root }) !== 0) fail('npm run build failed (see above)');
}

// 3. the ZeroMQ addon tslab talks to Jupyter with
const zmq = spawnSync(process.execPath, ['-e', "require('zeromq')"], { cwd: notebooks, encoding: 'utf8' });
if (zmq.status !== 0) {
  fail(`tslab's ZeroMQ addon does not load on Node ${process.version} (${process.platform}-${process.arch}):\n${(zmq.stderr || '').trim().split('\n').slice(-3).join('\n')}\n` +
    'Allow its install script to build it: `npm install-scripts approve zeromq` in notebooks/, then run this again (needs a C++ toolchain and cmake).');
}

// 4. the kernelspec
function userJupyterDataDir() {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA || path.join(homedir(), 'AppData', 'Roaming'), 'jupyter');
  return path.join(process.env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share'), 'jupyter');
}
const dataDir = args['jupyter-dir'] ? path.resolve(args['jupyter-dir']) : userJupyterDataDir();
const specDir = path.join(dataDir, 'kernels', 'tslab');
const spec = {
  argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'],
  display_name: 'TypeScript (tfai)',
  language: 'typescript',
  metadata: { tfai: { installedBy: 'npm run notebooks:install', node: process.version } },
};
mkdirSync(specDir, { recursive: true });
writeFileSync(path.join(specDir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
console.log(`notebooks:install: kernel 'tslab' (TypeScript, Node ${process.version}) written to ${specDir}`);

// 5. Jupyter itself
const pythons = [process.env.TFAI_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean);
const withJupyter = pythons.find((py) => spawnSync(py, ['-c', 'import jupyter_client'], { stdio: 'ignore' }).status === 0);
const has = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0;
const front = ['jupyter-lab', 'jupyter-notebook'].find(has);
const env = args['jupyter-dir'] ? `JUPYTER_PATH=${dataDir} ` : '';
if (!withJupyter) {
  console.log('notebooks:install: Jupyter is not installed. Install it, then open the notebooks:\n' +
    '  pip install jupyterlab            (or on Debian/Ubuntu: sudo apt-get install jupyter-notebook)\n' +
    `  ${env}jupyter lab notebooks/\n` +
    'or open a notebook in VS Code (Jupyter extension) and pick the kernel "TypeScript (tfai)".');
} else {
  console.log(`notebooks:install: done. Open the notebooks with\n  ${env}${front === 'jupyter-notebook' ? 'jupyter notebook' : 'jupyter lab'} notebooks/` +
    (front ? '' : '   (install JupyterLab first: pip install jupyterlab)') +
    '\nor in VS Code (Jupyter extension): open notebooks/00_quickstart.ipynb and pick the kernel "TypeScript (tfai)".');
}
