/**
 * The system suites' requirements (see suites.ts): what each needs, how it is checked, the one
 * command that installs it, and the environment lists that name suites. Free of vitest, so that
 * the global setup (test/setup/suites-summary.ts) can use it too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { childProbeCommand, readChildProbe } from '../../src/backend/webgpu-preflight.js';

/** The suites whose requirements npm cannot install. */
export type SuiteName = 'fashion-mnist' | 'lavapipe' | 'chromium' | 'jupyter' | 'torch' | 'gdb';

/** What a suite needs, and how to get it on Debian. */
export interface SuiteRequirement {
  /** The requirement in a few words, for the summary line. */
  readonly needs: string;
  /** The one command that installs it (Debian/Ubuntu). */
  readonly install: string;
  /** Why it is missing on this machine, or undefined when present. */
  readonly missing: () => string | undefined;
}

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
/** tslab, the TypeScript kernel the notebooks run in, as `npm run notebooks:install` puts it. */
const TSLAB = join(import.meta.dirname, '..', '..', 'notebooks', 'node_modules', 'tslab', 'package.json');
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** The Chromium binary the browser suite drives (`TFAI_CHROMIUM` overrides `/usr/bin/chromium`). */
export const CHROMIUM_PATH = process.env.TFAI_CHROMIUM ?? '/usr/bin/chromium';
/** The Python with PyTorch and torchvision (`TFAI_PYTHON` overrides Debian's `/usr/bin/python3`). */
export const TORCH_PYTHON = process.env.TFAI_PYTHON ?? '/usr/bin/python3';

function pythonImports(python: string, modules: string): string | undefined {
  if (!existsSync(python)) return `${python} is missing`;
  const r = spawnSync(python, ['-c', `import ${modules}`], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return undefined;
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  return `${python} cannot import ${modules}${last ? ` (${last})` : ''}`;
}

/**
 * The lavapipe suite's requirement is what its tests use: Dawn gives a WebGPU adapter (software or
 * not). Asked in a child process, as `initBackend('auto')` does, so Dawn's messages stay there.
 */
function webgpuAdapterMissing(): string | undefined {
  const cmd = childProbeCommand();
  if (!cmd.ok) return cmd.reason;
  const r = spawnSync(cmd.file, cmd.args, { encoding: 'utf8', timeout: 60_000 });
  const probe = readChildProbe(r.stdout ?? '', r.stderr ?? '', r.error !== undefined);
  return probe.ok ? undefined : probe.reason;
}

/** Why gdb cannot run a program here (missing, no Python in it, or tracing not allowed), or undefined. */
function gdbMissing(): string | undefined {
  const r = spawnSync('gdb', ['-q', '-nx', '-batch', '-ex', 'python import gdb', '-ex', 'run', '--args', '/bin/true'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `gdb cannot be started (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status === 0 && out.includes('exited normally')) return undefined;
  const last = out.trim().split('\n').pop() ?? '';
  return `gdb cannot run a program here${last ? ` (${last})` : ''}`;
}

/** Every system suite's requirement. */
export const SUITES: Readonly<Record<SuiteName, SuiteRequirement>> = {
  'fashion-mnist': {
    needs: `Fashion-MNIST in ${FASHION_DIR}`,
    install: 'sudo apt-get install dataset-fashion-mnist',
    missing: () => {
      const gone = FASHION_FILES.filter((f) => !existsSync(`${FASHION_DIR}/${f}`));
      return gone.length ? `${FASHION_DIR} lacks ${gone.join(', ')}` : undefined;
    },
  },
  lavapipe: {
    needs: 'a WebGPU adapter from Dawn (Mesa >= 25 lavapipe, or a GPU)',
    install: 'sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1',
    missing: webgpuAdapterMissing,
  },
  chromium: {
    needs: `Chromium at ${CHROMIUM_PATH}`,
    install: 'sudo apt-get install chromium',
    missing: () => (existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing`),
  },
  jupyter: {
    needs: 'Jupyter (nbclient, ipykernel) and the TypeScript kernel (tslab)',
    install: 'sudo apt-get install python3-nbclient python3-nbconvert python3-ipykernel jupyter-client && npm run notebooks:install',
    missing: () =>
      pythonImports('/usr/bin/python3', 'nbclient, nbconvert, ipykernel, jupyter_client') ??
      (existsSync(TSLAB) ? undefined : `the TypeScript kernel is not installed (${TSLAB} is missing)`),
  },
  torch: {
    needs: 'PyTorch and torchvision',
    install: 'sudo apt-get install python3-torch python3-torchvision python3-pil',
    missing: () => pythonImports(TORCH_PYTHON, 'torch, torchvision, PIL'),
  },
  gdb: {
    needs: 'gdb with Python, allowed to trace a child process',
    install: 'sudo apt-get install gdb',
    missing: gdbMissing,
  },
};

/** The suite names in a comma list from env `variable` (`all`: every suite); an unknown name throws. */
export function suitesListed(variable: 'TFAI_REQUIRE_SUITES' | 'TFAI_SUITES_ABSENT', env: NodeJS.ProcessEnv = process.env): SuiteName[] {
  const names = (env[variable] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return Object.keys(SUITES) as SuiteName[];
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length) throw new Error(`${variable}: unknown suite ${unknown.map((n) => `'${n}'`).join(', ')} (the suites: ${Object.keys(SUITES).join(', ')}, or all)`);
  return names as SuiteName[];
}

/** One line of the run's record of suites not run (read by `test/setup/suites-summary.ts`). */
export interface SuiteSkipRecord {
  /** The suite. */
  name: SuiteName;
  /** Why it did not run. */
  why: string;
  /** The command that installs its requirement. */
  install: string;
  /** The test file, relative to the repository. */
  file: string;
  /** True when the suite was required (`TFAI_REQUIRE_SUITES`): its test failed instead. */
  required: boolean;
}
