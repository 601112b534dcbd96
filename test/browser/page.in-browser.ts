/**
 * Run by the browser unit suite only (vitest.browser.config.ts, in a cross-origin isolated page):
 * what only a page can show — the wasm backend on Web Workers with tfai's kernels, the embedded
 * digits fetched from next to the code, and the browser's stand-ins for Node's modules at work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, wasmThreads } from '../../src/backend/init-backend.js';
import { fusedKernelsReady } from '../../src/backend/fused-ops.js';
import { tf } from '../../src/backend/tf.js';
import { loadMnist } from '../../src/data/mnist.js';
import * as fs from '../../src/platform/fs.js';
import { logicalCores } from '../../src/platform/process.js';
import { nextTurn } from '../../src/platform/event-loop.js';
import { setParallelThreshold } from '../../src/backend/wasm/pool.js';

describe('in a cross-origin isolated page', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => {} });
  });
  afterAll(() => {
    setParallelThreshold(1e6);
  });

  it('the wasm backend runs threaded on all cores (Web Workers) with tfai’s SIMD kernels', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const cores = logicalCores();
    expect(cores).toBe(navigator.hardwareConcurrency);
    expect(wasmThreads()?.threads).toBe(Math.min(cores, 8));
    expect(fusedKernelsReady()).toBe(true);
  });

  it('a convolution split across the kernel pool equals the unsplit one', async () => {
    const x = tf.randomNormal([8, 16, 16, 8], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2);
    const grad = (): tf.Tensor => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))(w);
    setParallelThreshold(Infinity);
    const one = grad();
    setParallelThreshold(0);
    const split = grad();
    expect(Array.from(await split.data())).toEqual(Array.from(await one.data()));
    tf.dispose([x, w, one, split]);
  });

  it('loads the embedded digits from next to the code', async () => {
    const data = await loadMnist({ bs: 256 });
    expect([data.trainDl.nItems, data.validDl.nItems]).toEqual([7996, 2004]);
    data.dispose();
  });

  it('the page’s stand-ins: files in IndexedDB, a turn of the event loop', async () => {
    await fs.mkdir('in-page', { recursive: true });
    await fs.writeFile('in-page/x.bin', new Uint8Array([7, 8]));
    expect(Array.from(await fs.readFile('/in-page/x.bin'))).toEqual([7, 8]);
    await expect(fs.readFile('in-page/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await fs.rm('in-page', { recursive: true });
    let ran = false;
    setTimeout(() => (ran = true), 0);
    await new Promise((r) => setTimeout(r, 1));
    await nextTurn();
    expect(ran).toBe(true);
  });
});
