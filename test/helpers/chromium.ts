/**
 * Pages in Debian's Chromium for the browser tests and the browser bench: a static server for a
 * folder (optionally cross-origin isolated: `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`, what threads in a page need), and Chromium started
 * headless by playwright-core from `CHROMIUM_PATH` with a fresh profile and nothing running in the
 * background, collecting every page error and console line.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from './suite-requirements.js';

export { CHROMIUM_PATH } from './suite-requirements.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/octet-stream',
};

/** The headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } as const;

/** A folder served over HTTP on 127.0.0.1. */
export type Served = { url: string; close(): Promise<void> };

/** Serve the files of `dir` (GET only, no listing), with the isolation headers when `isolate`. */
export async function serveFolder(dir: string, opts: { isolate: boolean }): Promise<Served> {
  const root = normalize(dir + sep);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    let body: Buffer | undefined;
    try {
      if (file.startsWith(root) && statSync(file).isFile()) body = readFileSync(file);
    } catch {
      // not there
    }
    const headers: Record<string, string> = opts.isolate ? { ...ISOLATION_HEADERS } : {};
    if (!body) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Chromium's flags: headless, no sandbox (containers), nothing in the background; WebGPU on SwiftShader when asked. */
export function chromiumArgs(opts: { webgpu?: boolean } = {}): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    ...(opts.webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu']),
  ];
}

/** A Chromium with a fresh profile; `close()` ends it and removes the profile. */
export type Chromium = { context: BrowserContext; close(): Promise<void> };

/** Start Chromium (`CHROMIUM_PATH`) with a fresh `--user-data-dir`. */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'tfai-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs(opts) });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page and what it reported: uncaught errors, and console lines. */
export type WatchedPage = { page: Page; errors: string[]; console: string[] };

/** Open `url` in a new page, recording page errors, failed requests and console lines. */
export async function openPage(browser: Chromium, url: string): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const lines: string[] = [];
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    lines.push(m.text());
    if (m.type() === 'error' && !/favicon\.ico/.test(m.location().url)) errors.push(`console.error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? ''})`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  return { page, errors, console: lines };
}
