/** tfai's build for tests that use `dist/` (the package, the browser build): made when older than the sources. */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Run `npm run build` unless `dist/` (Node and browser builds) is newer than every source and build-config file. */
export async function ensureBuilt(): Promise<void> {
  const outputs = ['dist/index.cjs', 'dist/browser/index.js'].map((f) => join(ROOT, f));
  const inputs = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'scripts')), ...['package.json', 'tsup.config.ts'].map((f) => statSync(join(ROOT, f)).mtimeMs));
  if (outputs.every((f) => existsSync(f) && statSync(f).mtimeMs >= inputs)) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 600_000, maxBuffer: 1 << 26 });
}

/** `npm pack` of the built project into `dir` (as is: `prepare` would rebuild it); its path and the files it holds. */
export async function packTarball(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, timeout: 600_000, maxBuffer: 1 << 26 });
  const info = (JSON.parse(stdout) as { filename: string; files: { path: string }[] }[])[0];
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/** `npm install <specs>` in a consumer project, as a user would; npm's own message when it fails. */
export async function installInto(consumer: string, specs: string[]): Promise<void> {
  try {
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd: consumer, timeout: 600_000, maxBuffer: 1 << 26 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`npm install of the packed tarball failed: ${err.stderr ?? err.message}`);
  }
}
