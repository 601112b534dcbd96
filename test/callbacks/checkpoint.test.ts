/**
 * CheckpointCallback on disk: the folder layout, `latest` / `best` pointers, rotation, leftovers of
 * a crashed save, and resume refusing truncated, foreign or mismatched checkpoints without touching
 * the model or the files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback, Learner, Sequential, Linear, crossEntropy, adam, setSeed } from '../../src/index.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import type { CheckpointState } from '../../src/io/checkpoint-types.js';
import { readCheckpointFiles } from '../../src/io/checkpoint-folder.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-ckpt-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const quiet = (): void => {};
const readState = async (dir: string, name: string): Promise<CheckpointState> => JSON.parse(await fs.readFile(path.join(dir, name, 'state.json'), 'utf8')) as CheckpointState;
const weights = async (learn: Learner): Promise<number[][]> =>
  Promise.all(Object.values((learn.model as Sequential).stateDict()).map(async (t) => Array.from(await t.data())));

describe('CheckpointCallback layout', () => {
  const dir = (): string => path.join(root, 'layout');
  let stats: ReturnType<typeof trackingCbs>['stats'];
  let learn: Learner;

  beforeAll(async () => {
    learn = convLearner();
    const t = trackingCbs();
    stats = t.stats;
    await new Runner({ cbs: [...t.cbs, new CheckpointCallback({ dir: dir(), keep: 2, monitor: 'valid_loss' })], log: quiet }).fit(5, learn);
  });

  it('keeps the newest `keep` checkpoints plus the best, with latest and best pointers', async () => {
    const entries = (await fs.readdir(dir())).sort();
    const best = (await fs.readFile(path.join(dir(), 'best'), 'utf8')).trim();
    expect((await fs.readFile(path.join(dir(), 'latest'), 'utf8')).trim()).toBe('epoch-0005');
    expect(entries).toEqual([...new Set(['best', best, 'epoch-0004', 'epoch-0005', 'latest'])].sort());
    const losses = stats.history.map((h) => h.valid[0]);
    const bestState = await readState(dir(), best);
    expect(bestState.monitor).toEqual({ name: 'valid_loss', value: Math.min(...losses) });
    expect(best).toBe(`epoch-${String(losses.indexOf(Math.min(...losses)) + 1).padStart(4, '0')}`);
  });

  it('one folder = weights (PyTorch layout) + optimizer tensors + state.json with everything else', async () => {
    expect((await fs.readdir(path.join(dir(), 'epoch-0005'))).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const s = await readState(dir(), 'epoch-0005');
    expect(s).toMatchObject({ format: 'tfai-checkpoint', version: 1, name: 'epoch-0005', epochs: 5, position: { epoch: 5, phase: 'train', iter: 0 }, nIter: 20 });
    expect(s.optimizer.type).toBe('SGD');
    expect(s.optimizer.params[0]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '5.weight', '5.bias']);
    expect(Object.values(s.optimizer.paramSteps)).toEqual([20, 20, 20, 20, 20, 20]);
    expect(s.loaders.train?.rng).not.toBeNull();
    expect(s.loaders.train?.order).toBeNull(); // at an epoch boundary no order is needed
    expect(Object.keys(s.callbacks)).toEqual(['AvgStatsCallback', 'Recorder']);
    expect((s.callbacks.Recorder as { losses: number[] }).losses).toHaveLength(20);
    // the weights file is an ordinary safetensors file learn.load reads
    const other = convLearner({ seed: 7 });
    await other.load(path.join(dir(), 'epoch-0005', 'model.safetensors'));
    expect(await weights(other)).toEqual(await weights(learn));
  });

  it('a crash mid-save leaves `latest` on the previous complete checkpoint; the next fit clears the leftovers', async () => {
    const d = dir();
    // what a save killed half way leaves: a temporary folder with a partial file
    const tmp = path.join(d, '.tfai-tmp-epoch-0006-123-abcd');
    await fs.mkdir(tmp);
    await fs.writeFile(path.join(tmp, 'model.safetensors'), new Uint8Array(100));
    const files = await readCheckpointFiles(d);
    expect(files.state.name).toBe('epoch-0005');
    const again = convLearner({ seed: 3 });
    await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir: d, keep: 2 })], log: quiet }).fit(6, again, { resume: d });
    expect((await fs.readdir(d)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await fs.readFile(path.join(d, 'latest'), 'utf8')).trim()).toBe('epoch-0006');
  });
});

describe('resume refuses what does not fit, before touching anything', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(root, 'refuse');
    await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir })], log: quiet }).fit(2, convLearner());
  });

  async function expectRefused(learn: Learner, from: string, msg: RegExp, epochs = 4): Promise<void> {
    const before = await weights(learn);
    const files = await fs.readdir(path.join(dir, 'epoch-0002'));
    const bytes = await Promise.all(files.map((f) => fs.readFile(path.join(dir, 'epoch-0002', f))));
    await expect(new Runner({ cbs: [new CheckpointCallback({ dir })], log: quiet }).fit(epochs, learn, { resume: from })).rejects.toThrow(msg);
    expect(await weights(learn)).toEqual(before);
    const after = await Promise.all(files.map((f) => fs.readFile(path.join(dir, 'epoch-0002', f))));
    after.forEach((b, i) => expect(b.equals(bytes[i])).toBe(true));
    expect((await fs.readFile(path.join(dir, 'latest'), 'utf8')).trim()).toBe('epoch-0002');
  }

  it('another architecture: names the first mismatching key', async () => {
    setSeed(0);
    const model = new Sequential(new Linear(16, 3));
    const learn = new Learner({ model, data: convData(), lossFunc: crossEntropy });
    await expectRefused(learn, dir, /epoch-0002\/model\.safetensors: shape mismatch for '0\.weight': the model expects \[3, 16\] \(PyTorch layout \[out, in\]\), the file has \[4, 1, 3, 3\]/);
  });

  it('another optimizer', async () => {
    await expectRefused(convLearner({ optFunc: adam() }), dir, /optimizer\.safetensors: the checkpoint's optimizer is SGD, the learner's is Adam/);
  });

  it('a loader with another shuffle setup', async () => {
    await expectRefused(convLearner({ data: convData({ shuffleSeed: null }) }), dir, /trainDl: DataLoader\.setState: the saved state has its own shuffle generator but this loader has none/);
  });

  it('nothing left to train', async () => {
    await expectRefused(convLearner(), dir, /the checkpoint is at epoch 2 \(2 epochs done\), so fit\(2\) has nothing left to train/, 2);
  });

  it('a truncated or altered weights file, a foreign state.json, a missing checkpoint', async () => {
    const model = path.join(dir, 'epoch-0002', 'model.safetensors');
    const good = await fs.readFile(model);
    const copy = path.join(root, 'refuse-copy');
    await fs.cp(dir, copy, { recursive: true });
    const cm = path.join(copy, 'epoch-0002', 'model.safetensors');
    await fs.writeFile(cm, good.subarray(0, good.length - 7));
    const learn = convLearner({ seed: 5 });
    const before = await weights(learn);
    const run = new Runner({ log: quiet });
    await expect(run.fit(4, learn, { resume: copy })).rejects.toThrow(new RegExp(`epoch-0002': model\\.safetensors is ${good.length - 7} bytes but state\\.json says ${good.length} \\(truncated or replaced\\)`));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 0xff;
    await fs.writeFile(cm, flipped);
    await expect(run.fit(4, learn, { resume: copy })).rejects.toThrow(/model\.safetensors does not match its SHA-256 in state\.json/);
    await fs.writeFile(path.join(copy, 'epoch-0002', 'state.json'), JSON.stringify({ format: 'keras', version: 3 }));
    await expect(run.fit(4, learn, { resume: copy })).rejects.toThrow(/state\.json: not a tfai checkpoint \(format is "keras"\)/);
    await expect(run.fit(4, learn, { resume: path.join(root, 'nowhere') })).rejects.toThrow(/resume: no checkpoint at '.*nowhere'/);
    expect(await weights(learn)).toEqual(before);
  });
});

describe('resume with a loader that shuffles from the global RNG', () => {
  it('mid-epoch, is exact too (the epoch order is saved, the global RNG restored)', async () => {
    class Stop extends Callback {
      override order = 100;
      override afterBatch(): void {
        if (this.run.inTrain && this.run.epoch === 1 && this.run.iter === 2) this.run.requestInterrupt();
      }
    }
    const go = async (dir: string, stop: boolean, resume: boolean): Promise<number[]> => {
      const learn = convLearner({ data: convData({ shuffleSeed: null }), seed: resume ? 50 : 1 });
      if (resume) setSeed(31337);
      const { rec, cbs } = trackingCbs();
      await new Runner({ cbs: [...cbs, new CheckpointCallback({ dir }), ...(stop ? [new Stop()] : [])], log: quiet }).fit(3, learn, resume ? { resume: dir } : {});
      return rec.losses;
    };
    const ref = await go(path.join(root, 'g-ref'), false, false);
    const d = path.join(root, 'g-int');
    await go(d, true, false);
    expect((await fs.readFile(path.join(d, 'latest'), 'utf8')).trim()).toBe('epoch-0001-train-0003');
    const resumed = await go(d, false, true);
    expect(resumed).toHaveLength(ref.length);
    resumed.forEach((l, i) => expect(Math.abs(l - ref[i])).toBeLessThanOrEqual(1e-6));
  });
});
