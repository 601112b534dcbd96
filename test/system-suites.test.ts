/**
 * The system suites as `npm test` runs them (test/helpers/suites.ts): vitest is run in a child
 * process on a fixture with one `lavapipe` and one `fashion-mnist` suite, and its output checked —
 * a missing requirement skips the suite (counted) and ends the run with one line naming what is
 * missing and how to install it; `TFAI_REQUIRE_SUITES` turns that into a failure; a misspelt suite
 * name stops the run. The lavapipe requirement is what its tests use: Dawn gives an adapter.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/run-example.js';
import { describeSuite } from './helpers/suites.js';
import { summaryLines } from './setup/suites-summary.js';

const run = promisify(execFile);
const vitest = join(repoRoot, 'node_modules', '.bin', 'vitest');

/** Runs vitest on the fixture with `env` (the suite variables cleared first): exit code and output. */
async function fixtureRun(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = { ...process.env };
  for (const k of ['TFAI_REQUIRE_SUITES', 'TFAI_SUITES_ABSENT', 'TFAI_SUITES_DIR', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'TEST', 'NODE_ENV', 'FORCE_COLOR']) delete base[k];
  base.NO_COLOR = '1';
  try {
    const { stdout, stderr } = await run(vitest, ['run', '--config', 'test/fixtures/system-suites/vitest.config.ts'], {
      cwd: repoRoot, env: { ...base, ...env }, timeout: 180_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('system suites', () => {
  it('a missing requirement skips its suite, counted, and the run ends with one line per suite naming it and the install command', async () => {
    const [bare, required, typo] = await Promise.all([
      fixtureRun({ VK_ICD_FILENAMES: '/nonexistent', TFAI_SUITES_ABSENT: 'fashion-mnist' }),
      fixtureRun({ VK_ICD_FILENAMES: '/nonexistent', TFAI_SUITES_ABSENT: 'fashion-mnist', TFAI_REQUIRE_SUITES: 'lavapipe' }),
      fixtureRun({ TFAI_SUITES_ABSENT: 'lavapip' }),
    ]);

    expect(bare.code, bare.out).toBe(0);
    expect(bare.out).toMatch(/Tests\s+3 skipped \(3\)/);
    const closing = bare.out.trim().split('\n').slice(-2);
    // Dawn without a Vulkan driver gives no adapter: the lavapipe suite is missing, not failing
    expect(closing).toContainEqual(expect.stringMatching(/^tfai: suite 'lavapipe' not run \(1 test file\) — (no adapter: Dawn found no usable GPU driver|Dawn failed|package webgpu).*; to run it: sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1$/));
    expect(closing).toContain("tfai: suite 'fashion-mnist' not run (1 test file) — TFAI_SUITES_ABSENT says so; to run it: sudo apt-get install dataset-fashion-mnist");

    expect(required.code).not.toBe(0);
    expect(required.out).toMatch(/Tests\s+1 failed \| 2 skipped \(3\)/);
    expect(required.out).toMatch(/the lavapipe suite must run \(TFAI_REQUIRE_SUITES\) but .*; install: sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1/);
    expect(required.out).toMatch(/^tfai: suite 'lavapipe' FAILED \(1 test file\): required by TFAI_REQUIRE_SUITES but /m);

    expect(typo.code).not.toBe(0);
    expect(typo.out).toContain("TFAI_SUITES_ABSENT: unknown suite 'lavapip' (the suites: fashion-mnist, lavapipe, chromium, jupyter, torch, gdb, or all)");
  }, 200_000);

  it('the closing lines: one per suite, however many files and blocks skipped it', () => {
    const r = { why: 'x is missing', install: 'sudo apt-get install x', required: false } as const;
    expect(summaryLines([
      { ...r, name: 'torch', file: 'test/a.test.ts' },
      { ...r, name: 'torch', file: 'test/a.test.ts' },
      { ...r, name: 'torch', file: 'test/b.test.ts' },
      { ...r, name: 'chromium', file: 'test/c.test.ts' },
    ])).toEqual([
      "tfai: suite 'torch' not run (2 test files) — x is missing; to run it: sudo apt-get install x",
      "tfai: suite 'chromium' not run (1 test file) — x is missing; to run it: sudo apt-get install x",
    ]);
  });
});

describeSuite('lavapipe', 'system suites where Dawn gives an adapter', () => {
  it('the lavapipe suite runs (and TFAI_REQUIRE_SUITES=lavapipe passes)', async () => {
    const r = await fixtureRun({ TFAI_SUITES_ABSENT: 'fashion-mnist', TFAI_REQUIRE_SUITES: 'lavapipe' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Tests\s+1 passed \| 2 skipped \(3\)/);
    expect(r.out).not.toMatch(/suite 'lavapipe'/);
  }, 200_000);
});
