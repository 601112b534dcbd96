/**
 * The browser demo (examples/browser, `npm run browser`) in Chromium: Vite builds it from tfai's
 * browser build, a cross-origin isolated server serves it, and it trains the course's BatchNorm
 * convnet on the embedded digits — wasm on 2 threads, valid accuracy ≥ 0.9 after one epoch, the
 * tensor count flat from epoch to epoch, no page error — drawing the live chart, the progress table,
 * the backend line and, at the end, the confusion matrix and the top losses; then a folder of the
 * user's own labelled images, chosen with the folder input, trains the same net.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';
import { launchChromium, openPage, serveFolder, type Chromium, type Served } from '../helpers/chromium.js';
import { ensureBuilt, ROOT } from '../helpers/built.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { encodePng } from '../../src/data/image-decode.js';

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

  it('trains on wasm with 2 threads to valid accuracy ≥ 0.9 in one epoch, tensors flat over epochs, no page error, with its chart, progress, confusion matrix and top losses; then on a folder of the user’s images', async () => {
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
    // the top losses: nine validation digits, each captioned predicted/actual and loss / probability
    expect(await page.locator('#top-losses svg image').count()).toBe(9);
    expect(await page.textContent('#top-losses svg')).toMatch(/Top losses/);
    // the weights, saved in the tab's storage, come out through the browser's downloads
    expect(await page.textContent('#saved')).toMatch(/saved in this tab's storage as mnist-bn-cnn\.safetensors/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('mnist-bn-cnn.safetensors');
    const file = await download.path();
    const weights = decodeSafetensors(readFileSync(file), file);
    expect([...weights.tensors.keys()]).toEqual(expect.arrayContaining(['0.0.weight', '0.2.running_mean']));

    // a user's own folder of labelled images, chosen with the folder input, trains the same net
    const folder = join(out, 'my-images');
    for (const [cls, rgb] of [['cats', [200, 60, 40]], ['dogs', [40, 60, 200]]] as const) {
      mkdirSync(join(folder, cls), { recursive: true });
      for (let i = 0; i < 20; i++) {
        const px = Uint8Array.from({ length: 40 * 30 * 3 }, (_, k) => Math.min(255, rgb[k % 3] + ((k * 7 + i * 13) % 50)));
        writeFileSync(join(folder, cls, `${i}.png`), encodePng(px, 40, 30));
      }
    }
    await page.setInputFiles('#folder', folder);
    expect(await page.textContent('#drop')).toMatch(/^40 files chosen/);
    await page.fill('input[name=epochs]', '3');
    await page.click('button[type=submit]');
    const own = (await page.evaluate(() => (globalThis as unknown as { tfaiDemo: { done: Promise<unknown> } }).tfaiDemo.done)) as Outcome;
    expect(own.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(await page.textContent('#what')).toBe('Training on your 40 images of 2 classes.');
    expect(own.history).toHaveLength(3);
    expect(own.history[2].valid[1]).toBeGreaterThanOrEqual(0.75);
    expect(own.line).toBe(r.line);
    expect(await page.locator('#confusion th').allTextContents()).toEqual(expect.arrayContaining(['cats', 'dogs']));
    expect(await page.locator('#top-losses svg image').count()).toBe(8);
    await page.close();
  }, TIMEOUT);
});
