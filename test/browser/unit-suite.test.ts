/**
 * Part of the unit suite in a real browser: vitest's browser mode runs the files listed in
 * vitest.browser.config.ts (the loop, layers, optimizers, data pipeline, wasm kernels, and what
 * only a page shows) in Chromium, on tfai's browser modules, in a cross-origin isolated page.
 * Every one of them must pass there.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';
import { ROOT } from '../helpers/built.js';
import { BROWSER_UNIT_TESTS } from '../../vitest.browser.config.js';

type Report = { numTotalTests: number; numPassedTests: number; numFailedTests: number; testResults: { name: string; status: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[] };

describeSuite('chromium', 'the unit suite in Chromium', () => {
  it(`${BROWSER_UNIT_TESTS.length} test files pass in a page`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfai-browser-units-'));
    const out = join(dir, 'report.json');
    try {
      await promisify(execFile)(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.browser.config.ts', '--reporter=json', `--outputFile=${out}`], { cwd: ROOT, timeout: 900_000, maxBuffer: 1 << 26 }).catch(() => {
        // failures are read from the report below
      });
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      const failed = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${f.name.replace(ROOT, '')}: ${a.fullName}: ${a.failureMessages[0]?.split('\n')[0]}`));
      expect(failed).toEqual([]);
      expect(report.testResults.map((f) => f.name.replace(`${ROOT}/`, '')).sort()).toEqual([...BROWSER_UNIT_TESTS].sort());
      expect(report.testResults.every((f) => f.status === 'passed')).toBe(true);
      expect(report.numPassedTests).toBeGreaterThanOrEqual(400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
