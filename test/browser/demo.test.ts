/**
 * The browser demo (examples/browser, `npm run browser`) in Chromium: Vite builds it from tfai's
 * browser build, a cross-origin isolated server serves it, and it trains the course's BatchNorm
 * convnet on the embedded digits — wasm on 2 threads, valid accuracy ≥ 0.9 after one epoch, the
 * tensor count flat from epoch to epoch, no page error — drawing the live chart, the progress table,
 * the backend line and, at the end, the confusion matrix.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';
import { launchChromium, openPage, serveFolder, type Chromium, type Served } from '../helpers/chromium.js';
import { ensureBuilt, ROOT } from '../helpers/built.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';

const TIMEOUT = 600_000;

type Outcome = { backend: string; line: string; history: { epoch: number; train: number[]; valid: number[] }[]; tensorsAfterEpoch: number[]; error?: string };

describeSuite('chromium', 'the browser demo', () => {
  let out: string;
  let served: Served;
  let browser: Chromium;

  beforeAll(async () => {
    await ensureBuilt();
    out = mkdtempSync(join(tmpdir(), 'tfai-demo-'));
    await build({ configFile: join(ROOT, 'examples/browser/vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    served = await serveFolder(out, { isolate: true });
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('trains on wasm with 2 threads to valid accuracy ≥ 0.9 in one epoch, tensors flat over epochs, no page error, with its chart, progress and confusion matrix', async () => {
    const { page, errors } = await openPage(browser, `${served.url}index.html?autostart=1&backend=wasm&epochs=2&bs=64&seed=1`);
    const r = (await page.evaluate(() => (globalThis as unknown as { tfaiDemo: { done: Promise<unknown> } }).tfaiDemo.done)) as Outcome;
    expect(r.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(r.backend).toBe('wasm');
    expect(r.line).toBe('tfai: backend wasm (2 threads)');
    expect(await page.textContent('#backend')).toBe(r.line);
    expect(r.history).toHaveLength(2);
    expect(r.history[0].valid[1]).toBeGreaterThanOrEqual(0.9);
    expect(r.history[1].valid[1]).toBeGreaterThanOrEqual(r.history[0].valid[1] - 0.02);
    expect(r.tensorsAfterEpoch).toHaveLength(2);
    expect(r.tensorsAfterEpoch[1]).toBe(r.tensorsAfterEpoch[0]);
    // what the page shows: the live chart (two panels, valid points), the progress table, the results
    expect(await page.locator('#chart svg').count()).toBe(1);
    expect(await page.textContent('#chart svg')).toMatch(/loss.*accuracy/s);
    expect(await page.locator('#progress tbody tr').count()).toBe(2);
    const columns = await page.locator('#progress thead th').allTextContents();
    expect(columns).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    const firstRow = await page.locator('#progress tbody tr:first-child td').allTextContents();
    expect(Number(firstRow[3])).toBeCloseTo(r.history[0].valid[1], 5);
    expect(await page.locator('#progress progress').count()).toBeGreaterThanOrEqual(1);
    expect(await page.isVisible('#results')).toBe(true);
    expect(await page.locator('#confusion td').count()).toBe(100);
    // the weights, saved in the tab's storage, come out through the browser's downloads
    expect(await page.textContent('#saved')).toMatch(/saved in this tab's storage as mnist-bn-cnn\.safetensors/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('mnist-bn-cnn.safetensors');
    const file = await download.path();
    const weights = decodeSafetensors(readFileSync(file), file);
    expect([...weights.tensors.keys()]).toEqual(expect.arrayContaining(['0.0.weight', '0.2.running_mean']));
    await page.close();
  }, TIMEOUT);
});
