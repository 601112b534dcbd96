/**
 * vitest global setup: gives the test processes a file in which `describeSuite` notes every system
 * suite it skipped, and at the end of the run prints one line per suite not run — what is missing
 * and the one command that installs it.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Sets `TFAI_SUITE_SKIPS_FILE` for the workers; returns the teardown that prints the summary. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tfai-suites-'));
  const file = join(dir, 'skipped.jsonl');
  process.env.TFAI_SUITE_SKIPS_FILE = file;
  return () => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    rmSync(dir, { recursive: true, force: true });
    const bySuite = new Map<string, { why: string; install: string }>();
    for (const l of lines) {
      const s = JSON.parse(l) as { name: string; why: string; install: string };
      if (!bySuite.has(s.name)) bySuite.set(s.name, s);
    }
    if (bySuite.size === 0) return;
    const out = [...bySuite].map(([name, s]) => `tfai: suite '${name}' not run — ${s.why}; to run it: ${s.install}`);
    process.stdout.write(`\n${out.join('\n')}\n`);
  };
}
