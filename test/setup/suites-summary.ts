/**
 * vitest global setup for the system suites (test/helpers/suites.ts): checks the suite lists in
 * `TFAI_REQUIRE_SUITES` / `TFAI_SUITES_ABSENT` (a misspelt name fails the run at once instead of
 * being ignored), gives the test processes a folder (`TFAI_SUITES_DIR`) where each requirement is
 * checked once and every suite not run is noted, and at the end of the run prints one line per
 * suite not run — what is missing and the one command that installs it.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suitesListed, type SuiteSkipRecord } from '../helpers/suite-requirements.js';

/** The closing lines for the records of a run: one per suite, naming its test files' count. */
export function summaryLines(records: readonly SuiteSkipRecord[]): string[] {
  const bySuite = new Map<string, { first: SuiteSkipRecord; files: Set<string>; required: boolean }>();
  for (const r of records) {
    const s = bySuite.get(r.name) ?? { first: r, files: new Set<string>(), required: false };
    s.files.add(r.file);
    s.required ||= r.required;
    bySuite.set(r.name, s);
  }
  return [...bySuite].map(([name, { first, files, required }]) => {
    const where = `${files.size} test file${files.size === 1 ? '' : 's'}`;
    return required
      ? `tfai: suite '${name}' FAILED (${where}): required by TFAI_REQUIRE_SUITES but ${first.why}; to install: ${first.install}`
      : `tfai: suite '${name}' not run (${where}) — ${first.why}; to run it: ${first.install}`;
  });
}

/** Sets `TFAI_SUITES_DIR` for the workers; returns the teardown that prints the summary. */
export default function setup(): () => void {
  suitesListed('TFAI_REQUIRE_SUITES');
  suitesListed('TFAI_SUITES_ABSENT');
  const dir = mkdtempSync(join(tmpdir(), 'tfai-suites-'));
  process.env.TFAI_SUITES_DIR = dir;
  return () => {
    const file = join(dir, 'skipped.jsonl');
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    rmSync(dir, { recursive: true, force: true });
    const out = summaryLines(lines.map((l) => JSON.parse(l) as SuiteSkipRecord));
    if (out.length) process.stdout.write(`\n${out.join('\n')}\n`);
  };
}
