/**
 * System suites: tests that need something npm cannot install (a Debian package, a browser, a
 * Jupyter server, PyTorch). `npm test` runs a suite when its requirement is present; when it is not,
 * the suite's tests are reported as skipped (vitest's own skip, so the count shows them) and the run
 * ends with one line per suite not run, naming what is missing and the command that installs it
 * (printed by `test/setup/suites-summary.ts`). The suites and their requirements:
 * suite-requirements.ts.
 *
 * `TFAI_REQUIRE_SUITES=all` (set by `.ci/run`) or a comma list of suite names turns a missing
 * requirement into a failing test: CI never skips silently. `TFAI_SUITES_ABSENT=<names>|all`
 * pretends requirements are missing, to try the bare-machine path on a machine that has them.
 *
 * Each requirement is checked once per run: the first test file that needs it writes the answer
 * to the run's folder (`TFAI_SUITES_DIR`, made by the global setup), the others read it.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITES, suitesListed, type SuiteName, type SuiteSkipRecord } from './suite-requirements.js';

export { SUITES, CHROMIUM_PATH, TORCH_PYTHON, type SuiteName } from './suite-requirements.js';

/** This process's answers, and the run's folder of answers shared by the test files. */
const seen = new Map<SuiteName, string | undefined>();

function checked(name: SuiteName): string | undefined {
  if (seen.has(name)) return seen.get(name);
  const dir = process.env.TFAI_SUITES_DIR;
  const file = dir ? join(dir, `${name}.json`) : undefined;
  let why: string | undefined;
  if (file && existsSync(file)) {
    why = (JSON.parse(readFileSync(file, 'utf8')) as { why?: string }).why;
  } else {
    why = SUITES[name].missing();
    if (file) {
      mkdirSync(dir!, { recursive: true });
      writeFileSync(`${file}.${process.pid}`, JSON.stringify({ why }));
      renameSync(`${file}.${process.pid}`, file);
    }
  }
  seen.set(name, why);
  return why;
}

/** Why suite `name` cannot run here, or undefined when its requirement is present (checked once per run). */
export function suiteMissing(name: SuiteName): string | undefined {
  if (suitesListed('TFAI_SUITES_ABSENT').includes(name)) return 'TFAI_SUITES_ABSENT says so';
  return checked(name);
}

/** Whether CI (or the user) demands that suite `name` runs. */
export function suiteRequired(name: SuiteName): boolean {
  return suitesListed('TFAI_REQUIRE_SUITES').includes(name);
}

function note(record: SuiteSkipRecord): void {
  const dir = process.env.TFAI_SUITES_DIR;
  if (dir) appendFileSync(join(dir, 'skipped.jsonl'), `${JSON.stringify(record)}\n`);
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
  const testPath = expect.getState().testPath;
  const file = testPath ? relative(process.cwd(), testPath) : '?';
  const required = suiteRequired(name);
  note({ name, why, install: req.install, file, required });
  if (required) {
    describe(`${title} [${name} suite]`, () => {
      it(`needs ${req.needs}`, () => {
        throw new Error(`the ${name} suite must run (TFAI_REQUIRE_SUITES) but ${why}; install: ${req.install}`);
      });
    });
    return;
  }
  describe.skip(`${title} [${name} suite: ${why}]`, fn);
}
