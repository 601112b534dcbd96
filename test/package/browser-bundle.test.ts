/**
 * tfai in a user's page: `npm pack` the project, install the tarball into a fresh project (as a
 * user would), and bundle a script that imports `tfai` and its sub-paths for the browser — with
 * esbuild (`platform: 'browser'`) and with Vite — without any configuration: no plugins, aliases or
 * polyfills. Nothing of Node may be left in the bundles. In the Chromium suite the bundles then run
 * in Debian's Chromium: the same seed gives the losses the same script gives in Node, on all cores
 * when the page is cross-origin isolated and on one (saying why) when it is not, and on WebGPU
 * (SwiftShader) the losses of wasm.
 *
 * The consumer's files are in test/fixtures/browser-consumer; the install reaches the npm registry
 * only for what the npm cache lacks (`--prefer-offline`).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build as esbuild, type Metafile } from 'esbuild';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';
import { launchChromium, openPage, serveFolder, type Chromium } from '../helpers/chromium.js';
import { ensureBuilt, installInto, packTarball } from '../helpers/built.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/browser-consumer');
const TIMEOUT = 600_000;
const ENTRIES = ['tfai', 'tfai/io', 'tfai/backend', 'tfai/plot', 'tfai/data'];
/** What must not be in a page's bundle: Node's built-ins, and the packages that only work in Node. */
const NODE_ONLY = /(^|\/)node_modules\/(tar|@resvg|pngjs|@napi-rs|webgpu|@tensorflow\/tfjs-node)\//;

let work: string;
let consumer: string;

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'tfai-browser-pack-'));
  const { tarball } = await packTarball(work);
  consumer = join(work, 'consumer');
  cpSync(fixture, consumer, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'tfai-browser-consumer', private: true, type: 'module' }, null, 2));
  await installInto(consumer, [tarball]);
}, 2 * TIMEOUT);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Node's built-ins and Node-only packages among a bundle's inputs and imports. */
function nodeParts(meta: Metafile): string[] {
  const bad = Object.keys(meta.inputs).filter((f) => f.startsWith('node:') || NODE_ONLY.test(f));
  for (const out of Object.values(meta.outputs)) for (const imp of out.imports) if (imp.external || imp.path.startsWith('node:')) bad.push(imp.path);
  return bad;
}

/** Copy the files tfai's browser build fetches from next to itself (wasm, digits) into `dir`. */
function copyBrowserFiles(dir: string): string[] {
  const from = join(consumer, 'node_modules/tfai/dist/browser');
  const files = readdirSync(from).filter((f) => /\.(wasm|gz)$/.test(f));
  for (const f of files) cpSync(join(from, f), join(dir, f));
  return files;
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

describe("a user's browser bundle of the packed tarball", () => {
  it("esbuild (platform browser, no plugins) bundles 'tfai' and every sub-path with no error, no warning and nothing of Node", async () => {
    const sizes: string[] = [];
    for (const spec of ENTRIES) {
      const file = join(consumer, `entry-${spec.replace('/', '-')}.js`);
      writeFileSync(file, `export * from '${spec}';\n`);
      const r = await esbuild({ entryPoints: [file], bundle: true, platform: 'browser', format: 'esm', outfile: join(consumer, 'out-entries', basename(file)), metafile: true, logLevel: 'silent', absWorkingDir: consumer });
      expect(r.errors, spec).toEqual([]);
      expect(r.warnings.map((w) => w.text), spec).toEqual([]);
      expect(nodeParts(r.metafile), spec).toEqual([]);
      const out = Object.values(r.metafile.outputs)[0];
      sizes.push(`${spec} ${kib(out.bytes)}`);
    }
    console.log(`esbuild bundle sizes (unminified): ${sizes.join(', ')}`);
  }, TIMEOUT);

  it('esbuild bundles the training page; the .wasm files and the digits ship in tfai/dist/browser to copy next to it', async () => {
    const out = join(consumer, 'out-esbuild');
    const r = await esbuild({ entryPoints: [join(consumer, 'main.js')], bundle: true, platform: 'browser', format: 'esm', minify: true, outfile: join(out, 'main.js'), metafile: true, logLevel: 'silent', absWorkingDir: consumer });
    expect(r.warnings.map((w) => w.text)).toEqual([]);
    expect(nodeParts(r.metafile)).toEqual([]);
    cpSync(join(consumer, 'index.html'), join(out, 'index.html'));
    expect(copyBrowserFiles(out).sort()).toEqual(['mnist-10k-images-idx3-ubyte.gz', 'mnist-10k-labels-idx1-ubyte.gz', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);
    console.log(`esbuild page bundle (minified): ${kib(statSync(join(out, 'main.js')).size)}`);
  }, TIMEOUT);

  it('Vite builds the page with no configuration file, and copies the .wasm files and the digits it fetches into its output', async () => {
    const out = join(consumer, 'out-vite');
    await viteBuild({ root: consumer, configFile: false, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    const assets = readdirSync(join(out, 'assets'));
    const js = assets.filter((a) => a.endsWith('.js'));
    const text = js.map((a) => readFileSync(join(out, 'assets', a), 'utf8')).join('\n');
    for (const f of ['tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd', 'tfjs-backend-wasm', 'mnist-10k-images-idx3-ubyte']) {
      expect(assets.some((a) => a.startsWith(`${f}-`)), `${f} in ${assets.join(', ')}`).toBe(true);
    }
    // the 73-byte labels file is below Vite's inlining limit: it becomes a data: URL in the code
    expect(assets.some((a) => a.startsWith('mnist-10k-labels-idx1-ubyte-')) || /data:application\/(gzip|x-gzip|octet-stream);base64,H4sI/.test(text)).toBe(true);
    // no import of a Node module (tfjs-backend-wasm's Emscripten glue keeps `require("fs")` on its
    // Node-only path, never taken in a page)
    expect(text).not.toMatch(/(\bfrom|\bimport\(?)\s*["'](node:\w+|fs|path|os|worker_threads|module|crypto|zlib)["']/);
    console.log(`Vite page bundle (minified): ${js.map((a) => `${a} ${kib(statSync(join(out, 'assets', a)).size)}`).join(', ')}`);
  }, TIMEOUT);
});

/** Losses equal to `ref` within `rel` (relative), naming the first step that is not. */
function expectLosses(got: number[], ref: number[], rel: number): void {
  expect(got.length).toBe(ref.length);
  const off = got.map((g, i) => ({ i, g, r: ref[i], d: Math.abs(g - ref[i]) / Math.max(1e-12, Math.abs(ref[i])) })).filter((x) => !(x.d <= rel));
  expect(off, `losses beyond ${rel} relative`).toEqual([]);
}

type PageResult = { backend: string; line: string; threads: number; losses: number[]; tensors: number; isolated: boolean; names: Record<string, string>; entries: { io: number; plot: boolean; data: string }; error?: string };

/** What a minifier must not rename: the names of tfai's metrics, callbacks and optimizers. */
const NAMES = { metric: 'accuracy', callback: 'Recorder', optimizer: 'SGD' };

describeSuite('chromium', "a user's bundle in Chromium", () => {
  let browser: Chromium;
  let gpuBrowser: Chromium;
  let nodeLosses: number[];

  /** What train.js gives in Node (the installed package's Node build). */
  async function inNode(args: object): Promise<PageResult> {
    const { stdout } = await run(process.execPath, ['node-train.js', JSON.stringify(args)], { cwd: consumer, timeout: TIMEOUT, maxBuffer: 1 << 26 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PageResult;
  }

  /** Serve `dir` and run its page with `query`; returns the result and any page errors. */
  async function inPage(b: Chromium, dir: string, query: string, isolate: boolean): Promise<{ result: PageResult; errors: string[] }> {
    const served = await serveFolder(dir, { isolate });
    try {
      const { page, errors } = await openPage(b, `${served.url}index.html?${query}`);
      const result = (await page.evaluate(() => (globalThis as { tfaiResult?: Promise<unknown> }).tfaiResult, undefined)) as PageResult;
      await page.close();
      return { result, errors };
    } finally {
      await served.close();
    }
  }

  beforeAll(async () => {
    browser = await launchChromium();
    nodeLosses = (await inNode({ backend: 'wasm', threads: 2, steps: 8 })).losses;
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await gpuBrowser?.close();
  });

  it('the esbuild page, cross-origin isolated: wasm on 2 threads (Web Workers), the losses of Node to 1e-4, no page error', async () => {
    const { result, errors } = await inPage(browser, join(consumer, 'out-esbuild'), 'backend=wasm&steps=8&threads=2', true);
    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result.isolated).toBe(true);
    expect(result.line).toMatch(/^tfai: backend wasm \(2 threads\)$/);
    expect(result.threads).toBe(2);
    expectLosses(result.losses, nodeLosses, 1e-4);
    expect(result.entries).toEqual({ io: expect.any(Number), plot: true, data: 'train-images-idx3-ubyte' });
    expect(result.names).toEqual(NAMES);
  }, TIMEOUT);

  it('the Vite page, not isolated: wasm on 1 thread saying why, the same losses', async () => {
    const { result, errors } = await inPage(browser, join(consumer, 'out-vite'), 'backend=wasm&steps=8&threads=2', false);
    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result.isolated).toBe(false);
    expect(result.line).toMatch(/^tfai: backend wasm \(1 thread; threads unavailable \(the page is not cross-origin isolated: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\); using 1\)/);
    expect(result.threads).toBe(1);
    expectLosses(result.losses, nodeLosses, 1e-4);
    expect(result.names).toEqual(NAMES);
  }, TIMEOUT);

  it("'auto' in a page without a GPU: wasm, saying why not webgpu; WebGPU asked by name on SwiftShader gives wasm's losses over 5 steps", async () => {
    const auto = await inPage(browser, join(consumer, 'out-esbuild'), 'backend=auto&steps=2', true);
    expect(auto.result.error).toBeUndefined();
    expect(auto.result.backend).toBe('wasm');
    expect(auto.result.line).toMatch(/^tfai: backend wasm \(2 threads\) — webgpu: /);
    gpuBrowser = await launchChromium({ webgpu: true });
    const gpu = await inPage(gpuBrowser, join(consumer, 'out-esbuild'), 'backend=webgpu&steps=5', true);
    expect(gpu.result.error).toBeUndefined();
    expect(gpu.errors).toEqual([]);
    expect(gpu.result.backend).toBe('webgpu');
    expect(gpu.result.line).toMatch(/^tfai: backend webgpu on google swiftshader/);
    expect(gpu.result.losses).toHaveLength(5);
    expectLosses(gpu.result.losses, nodeLosses.slice(0, 5), 1e-3);
  }, TIMEOUT);
});
