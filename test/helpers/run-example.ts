/** Running an example script as a user would (`tsx examples/<file>`), on wasm, in a child process. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository's root. */
export const repoRoot = join(import.meta.dirname, '..', '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

/** Runs `examples/<file>` with `args`; its exit code and its stdout and stderr together. */
export async function runExample(file: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [join(repoRoot, 'examples', file), ...args], { cwd: repoRoot, env: { ...process.env, TFAI_BACKEND: 'wasm' }, timeout: 240_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
