/**
 * System suites: tests that need something npm cannot install (a Debian package, a browser, a
 * Jupyter server, PyTorch). `npm test` runs a suite when its requirement is present; when it is not,
 * the suite's tests are reported as skipped (vitest's own skip, so the count shows them) and the run
 * ends with one line per suite not run, naming what is missing and the command that installs it
 * (printed by `test/setup/suites-summary.ts`).
 *
 * `TFAI_REQUIRE_SUITES=all` (set by `.ci/run`) or a comma list of suite names turns a missing
 * requirement into a failing test: CI never skips silently. `TFAI_SUITES_ABSENT=<names>|all`
 * pretends requirements are missing, to try the bare-machine path on a machine that has them.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';

/** The suites whose requirements npm cannot install. */
export type SuiteName = 'fashion-mnist' | 'lavapipe' | 'chromium' | 'jupyter' | 'torch';

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
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

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

function vulkanDriverMissing(): string | undefined {
  const icds = ICD_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')) : []));
  if (icds.length === 0) return 'no Vulkan driver (no ICD file in /usr/share/vulkan/icd.d)';
  const hardware = icds.filter((f) => !f.startsWith('lvp_'));
  if (hardware.length > 0) return undefined;
  // Only lavapipe: Dawn needs Mesa >= 25 (bookworm's own 22.3 gives no adapter).
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'mesa-vulkan-drivers'], { encoding: 'utf8' });
  const major = Number.parseInt((r.stdout ?? '').split('.')[0] ?? '', 10);
  if (r.status === 0 && Number.isFinite(major) && major < 25) return `Mesa's lavapipe is ${r.stdout.trim()}, Dawn needs >= 25`;
  return undefined;
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
    needs: 'a Vulkan driver for WebGPU (Mesa >= 25 lavapipe, or a GPU)',
    install: 'sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1',
    missing: vulkanDriverMissing,
  },
  chromium: {
    needs: `Chromium at ${CHROMIUM_PATH}`,
    install: 'sudo apt-get install chromium',
    missing: () => (existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing`),
  },
  jupyter: {
    needs: 'Jupyter (nbclient, nbconvert, ipykernel)',
    install: 'sudo apt-get install python3-nbclient python3-nbconvert python3-ipykernel jupyter-client',
    missing: () => pythonImports('/usr/bin/python3', 'nbclient, nbconvert, ipykernel, jupyter_client'),
  },
  torch: {
    needs: 'PyTorch and torchvision',
    install: 'sudo apt-get install python3-torch python3-torchvision',
    missing: () => pythonImports(TORCH_PYTHON, 'torch, torchvision'),
  },
};

const seen = new Map<SuiteName, string | undefined>();

function listed(variable: string, name: SuiteName): boolean {
  const v = (process.env[variable] ?? '').split(',').map((s) => s.trim());
  return v.includes('all') || v.includes(name);
}

/** Why suite `name` cannot run here, or undefined when its requirement is present (checked once per process). */
export function suiteMissing(name: SuiteName): string | undefined {
  if (listed('TFAI_SUITES_ABSENT', name)) return 'TFAI_SUITES_ABSENT says so';
  if (!seen.has(name)) seen.set(name, SUITES[name].missing());
  return seen.get(name);
}

/** Whether CI (or the user) demands that suite `name` runs. */
export function suiteRequired(name: SuiteName): boolean {
  return listed('TFAI_REQUIRE_SUITES', name);
}

/**
 * `describe` for a system suite: runs `fn` when the requirement is present; otherwise its tests are
 * skipped (and noted for the run's closing summary), or — when the suite is required — one failing
 * test names what is missing.
 */
export function describeSuite(name: SuiteName, title: string, fn: () => void): void {
  const why = suiteMissing(name);
  if (why === undefined) {
    describe(`${title} [${name} suite]`, fn);
    return;
  }
  const req = SUITES[name];
  if (suiteRequired(name)) {
    describe(`${title} [${name} suite]`, () => {
      it(`needs ${req.needs}`, () => {
        throw new Error(`the ${name} suite must run (TFAI_REQUIRE_SUITES) but ${why}; install: ${req.install}`);
      });
    });
    return;
  }
  const file = process.env.TFAI_SUITE_SKIPS_FILE;
  if (file) appendFileSync(file, `${JSON.stringify({ name, why, install: req.install })}\n`);
  describe.skip(`${title} [${name} suite: ${why}]`, fn);
}
