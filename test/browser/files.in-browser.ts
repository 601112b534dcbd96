/**
 * Run by the browser unit suite only: tfai's file writers on the page's files (IndexedDB) — weights
 * saved and loaded back by path, from a `Blob` and from a URL, a checkpoint directory written by
 * `CheckpointCallback` and a fit resumed from it to the losses of an uninterrupted fit, a CSV log,
 * and a file taken out as a `Blob`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend.js';
import { tf, Runner, CheckpointCallback, CSVLogger, Callback, fileBlob } from '../../src/index.js';
import { encodeWeights } from '../../src/io/weights-file.js';
import * as fs from '../../src/platform/fs.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';

/** Interrupts a fit after batch 2 of epoch 2, as the Stop button of a page does. */
class Stop extends Callback {
  override order = 100;
  override afterBatch(): void {
    if (this.run.inTrain && this.run.epoch === 1 && this.run.iter === 1) this.run.requestInterrupt();
  }
}

describe("tfai's files in a page", () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => {} });
    await fs.rm('/browser-test', { recursive: true, force: true });
  });

  it('learn.save writes a weights file that learn.load reads back — by path, as a Blob (fileBlob) and from a URL', async () => {
    const a = convLearner({ data: convData(), seed: 1 });
    const b = convLearner({ data: convData(), seed: 2 });
    await fs.mkdir('browser-test/models', { recursive: true });
    const file = await a.save('browser-test/models/tiny.safetensors');
    expect(file).toBe('browser-test/models/tiny.safetensors');
    const saved = await fs.readFile('/browser-test/models/tiny.safetensors');
    expect(saved).toEqual(await encodeWeights(a.model as never));
    const weights = async (l: typeof a): Promise<number[]> => Array.from(await tf.concat(l.model.parameters().map((p) => p.flatten())).data());
    await b.load(file);
    expect(await weights(b)).toEqual(await weights(a));
    const c = convLearner({ data: convData(), seed: 3 });
    const blob = await fileBlob(file);
    expect(blob.size).toBe(saved.length);
    await c.load(blob);
    expect(await weights(c)).toEqual(await weights(a));
    const d = convLearner({ data: convData(), seed: 4 });
    const url = URL.createObjectURL(blob);
    await d.load(url);
    URL.revokeObjectURL(url);
    expect(await weights(d)).toEqual(await weights(a));
    await expect(d.load('browser-test/models/missing.safetensors')).rejects.toThrow(/loading weights: reading 'browser-test\/models\/missing\.safetensors' failed: no such file or folder \(ENOENT/);
  });

  it('CheckpointCallback writes its directory in the page, and a fit resumed from it ends with the losses of an uninterrupted one', async () => {
    const go = async (dir: string, mode: 'ref' | 'stop' | 'resume'): Promise<number[]> => {
      const learn = convLearner({ seed: mode === 'resume' ? 77 : 1 });
      const { rec, cbs } = trackingCbs();
      const extra = mode === 'stop' ? [new Stop()] : [];
      await new Runner({ cbs: [...cbs, new CheckpointCallback({ dir, log: () => {} }), ...extra], log: () => {} }).fit(3, learn, mode === 'resume' ? { resume: dir } : {});
      return rec.losses;
    };
    const ref = await go('browser-test/runs/ref', 'ref');
    const dir = 'browser-test/runs/stopped';
    const first = await go(dir, 'stop');
    expect(first.length).toBeLessThan(12);
    expect(await fs.readdir(`/${dir}`)).toEqual(expect.arrayContaining(['latest', 'epoch-0001-train-0002']));
    const resumed = await go(dir, 'resume');
    expect(resumed).toHaveLength(12);
    resumed.forEach((l, i) => expect(Math.abs(l - ref[i]), `batch ${i}`).toBeLessThanOrEqual(1e-6));
    expect(await fs.readdir(`/${dir}`)).toEqual(expect.arrayContaining(['epoch-0003']));
  });

  it('CSVLogger writes its log in the page', async () => {
    const path = 'browser-test/logs/run.csv';
    await new Runner({ cbs: [...trackingCbs().cbs, new CSVLogger({ path })], log: () => {} }).fit(2, convLearner({ data: convData(), seed: 7 }));
    const text = await fs.readFile(`/${path}`, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(text.split('\n')[0]).toMatch(/^epoch,train_loss,train_accuracy,valid_loss,valid_accuracy/);
  });
});
