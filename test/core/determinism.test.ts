/**
 * Reproducibility on cpu and wasm: `setSeed(n)` fixes weight init, shuffling (a loader without its
 * own seed draws from the global RNG) and dropout, so two runs give identical losses and another
 * seed gives others; and a run stopped mid-epoch and resumed matches the uninterrupted run to 1e-6
 * on each backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback, setSeed, adam, type CallbackRunner } from '../../src/index.js';
import { useBackend } from '../helpers/backend.js';
import { convData, convModel, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import { BackendName } from '../../src/backend/init-backend.js';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-det-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Everything random comes from the global generator: init, shuffle order, dropout masks. */
async function run(seed: number, epochs = 2): Promise<number[]> {
  setSeed(seed);
  const data = convData({ shuffleSeed: null });
  const learn = convLearner({ data, seed: seed + 1, optFunc: adam(), lr: 0.01 });
  const { rec, cbs } = trackingCbs();
  await new Runner({ cbs, log: () => {} }).fit(epochs, learn);
  return rec.losses;
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`determinism on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      expect(tf.getBackend()).toBe(backend);
    });

    it('setSeed(n): the same init, dropout masks and shuffles, so identical losses; another seed differs', async () => {
      const a = await run(3);
      const b = await run(3);
      const c = await run(4);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
      // the pieces separately: init and a dropout mask
      const w = (s: number): number[] => {
        const m = convModel(s);
        const v = Array.from(m.stateDict()['0.weight'].dataSync());
        m.dispose();
        return v;
      };
      expect(w(8)).toEqual(w(8));
      const mask = (s: number): number[] => {
        const m = convModel(s).train();
        const v = tf.tidy(() => Array.from(m.at(4).forward(tf.ones([2, 8])).dataSync()));
        m.dispose();
        return v;
      };
      expect(mask(2)).toEqual(mask(2));
    });

    const stops: [string, (run: CallbackRunner, ev: 'batch' | 'epoch') => boolean][] = [
      ['after epoch 2', (r, ev) => ev === 'epoch' && r.epoch === 1],
      ['mid-epoch (epoch 2, after batch 2)', (r, ev) => ev === 'batch' && r.inTrain && r.epoch === 1 && r.iter === 1],
    ];
    for (const [name, when] of stops) {
      it(`a run stopped ${name} and resumed in a fresh learner matches the uninterrupted run to 1e-6`, async () => {
        class Stop extends Callback {
          override order = 100;
          override afterBatch(): void {
            if (when(this.run, 'batch')) this.run.requestInterrupt();
          }
          override afterEpoch(): void {
            if (when(this.run, 'epoch')) this.run.requestInterrupt();
          }
        }
        const go = async (dir: string, mode: 'ref' | 'stop' | 'resume'): Promise<number[]> => {
          const learn = convLearner({ seed: mode === 'resume' ? 77 : 1 });
          if (mode === 'resume') setSeed(4242);
          const { rec, cbs } = trackingCbs();
          const extra = mode === 'stop' ? [new Stop()] : [];
          await new Runner({ cbs: [...cbs, new CheckpointCallback({ dir }), ...extra], log: () => {} }).fit(3, learn, mode === 'resume' ? { resume: dir } : {});
          return rec.losses;
        };
        const tag = name.replace(/\W+/g, '-');
        const ref = await go(path.join(root, `${backend}-${tag}-ref`), 'ref');
        const dir = path.join(root, `${backend}-${tag}-stop`);
        const first = await go(dir, 'stop');
        expect(first.length).toBeLessThan(12);
        const resumed = await go(dir, 'resume');
        expect(resumed).toHaveLength(12);
        resumed.forEach((l, i) => expect(Math.abs(l - ref[i]), `batch ${i}`).toBeLessThanOrEqual(1e-6));
      });
    }
  });
}
