/**
 * visionLearner and fineTune as fastai's vision_learner and fine_tune: the model's structure and
 * keys, the parameter groups, the frozen body, pretrained weights from a file or the weights
 * folder (with the error that says what to download), the input statistics, and the schedule of
 * learning rates and momenta per group per step against a hand computation of fastai's formulas.
 */
import { mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  tf, setSeed, visionLearner, resnet18, mobilenetV2, DataBunch, DataLoader, TensorDataset, Callback, lrFind, IMAGENET_STATS, sliceLrs,
  BatchNorm1d, BatchNorm2d, Linear, Dropout, AdaptiveConcatPool2d, Flatten, ReLU, adam, type VisionLearner, type Module,
} from '../../src/index.js';
import { saveWeights } from '../../src/io/index.js';
import { useBackend } from '../helpers/backend.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'tfai-vision-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `n` random `size`² images of `c` channels in `classes` classes, batches of `bs`. */
function data(opts: { n?: number; size?: number; c?: number; classes?: number; bs?: number } = {}): DataBunch {
  const { n = 8, size = 32, c = 3, classes = 4, bs = 4 } = opts;
  setSeed(1);
  const x = tf.randomUniform([n, size, size, c], 0, 1, 'float32', 3);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes), 'int32');
  const ds = new TensorDataset(x, y);
  return new DataBunch(new DataLoader(ds, { bs, shuffle: true, seed: 2 }), new DataLoader(ds, { bs }), classes);
}

const values = async (v: tf.Tensor): Promise<number[]> => Array.from(await v.data());
const nParams = (vs: tf.Variable[]): number => vs.reduce((a, v) => a + v.size, 0);

/** The bytes of a tensor's values, to compare large tensors quickly. */
const bytesOf = async (v: tf.Tensor): Promise<Buffer> => {
  const d = await v.data();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

let saved: Promise<{ file: string; model: Module }> | null = null;
/** A resnet18 with 7 classes saved in torchvision's names, as a pretrained file (made once; the model is shared: do not dispose it). */
function savedResnet18(): Promise<{ file: string; model: Module }> {
  saved ??= (async () => {
    setSeed(9);
    const model = resnet18({ numClasses: 7 });
    const file = join(dir, 'resnet18-7.safetensors');
    await saveWeights(model, file);
    return { file, model };
  })();
  return saved;
}

describe('visionLearner builds fastai\'s model', () => {
  it('resnet18: body cut before the pool, fastai\'s head with its keys and init, three groups, nothing frozen without weights', async () => {
    const learn = await visionLearner(data(), resnet18, { pretrained: false });
    const m = learn.model;
    const keys = Object.keys(m.stateDict());
    expect(keys.slice(0, 2)).toEqual(['0.0.weight', '0.1.weight']); // conv1, bn1
    expect(keys).toContain('0.4.0.conv1.weight'); // layer1.0.conv1
    expect(keys).toContain('0.7.1.bn2.running_var'); // layer4.1.bn2
    expect(keys.some((k) => k.includes('fc'))).toBe(false);
    const head = m.head.children();
    expect(head.map((c) => c.constructor.name)).toEqual(['AdaptiveConcatPool2d', 'Flatten', 'BatchNorm1d', 'Dropout', 'Linear', 'ReLU', 'BatchNorm1d', 'Dropout', 'Linear']);
    expect(head[0]).toBeInstanceOf(AdaptiveConcatPool2d);
    expect(head[1]).toBeInstanceOf(Flatten);
    expect(head[5]).toBeInstanceOf(ReLU);
    expect((head[3] as Dropout).p).toBe(0.25);
    expect((head[7] as Dropout).p).toBe(0.5);
    const [l1, l2] = [head[4] as Linear, head[8] as Linear];
    expect([l1.ni, l1.nf, l1.bias, l2.ni, l2.nf, l2.bias]).toEqual([1024, 512, null, 512, 4, null]);
    expect(await values((head[2] as BatchNorm1d).bias)).toEqual(Array(1024).fill(Math.fround(1e-3)));
    // kaiming_normal_: std √(2 / fan_in)
    const w = await values(l1.weight);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.9 * Math.sqrt(2 / 1024));
    expect(std).toBeLessThan(1.1 * Math.sqrt(2 / 1024));
    // _resnet_split: body[:6] (conv1, bn1, relu, maxpool, layer1, layer2), body[6:], head
    const groups = learn.opt.paramGroups.map((g) => nParams(g.params));
    expect(groups).toEqual([nParams(m.body.children().slice(0, 6).flatMap((c) => c.parameters())), nParams(m.body.children().slice(6).flatMap((c) => c.parameters())), nParams(m.head.parameters())]);
    expect(learn.opt.frozenIdx).toBe(0);
    expect(m.stats).toBeNull(); // no weights: no ImageNet statistics (fastai's _add_norm)
    const y = m.forward(tf.zeros([2, 32, 32, 3]));
    expect(y.shape).toEqual([2, 4]);
    // fastai's Adam, lr 1e-3
    expect(learn.opt.getHyper('lr')).toEqual([1e-3, 1e-3, 1e-3]);
    expect([learn.opt.getHyper('beta2')[0], learn.opt.getHyper('eps')[0], learn.opt.getHyper('wd')[0]]).toEqual([0.99, 1e-5, 0.01]);
    learn.model.dispose();
  });

  it('mobilenetV2: the features are the body, groups [body, head], 1280 features into the head', async () => {
    const learn = await visionLearner(data(), mobilenetV2, { pretrained: false, nOut: 3 });
    expect(Object.keys(learn.model.stateDict())[0]).toBe('0.0.0.0.weight'); // features.0.0
    expect((learn.model.head.children()[4] as Linear).ni).toBe(2560);
    expect(learn.opt.paramGroups).toHaveLength(2);
    learn.model.dispose();
  });

  it('pretrained from a file: the body has the file\'s weights, is frozen (norm layers train), inputs get ImageNet\'s statistics', async () => {
    const { file, model } = await savedResnet18();
    const learn = await visionLearner(data(), resnet18, { pretrained: file });
    expect(learn.pretrained).toBe(file);
    const sd = learn.model.stateDict();
    const src = model.stateDict();
    expect((await bytesOf(sd['0.0.weight'])).equals(await bytesOf(src['conv1.weight']))).toBe(true);
    expect((await bytesOf(sd['0.7.1.bn2.running_mean'])).equals(await bytesOf(src['layer4.1.bn2.running_mean']))).toBe(true);
    expect(learn.opt.frozenIdx).toBe(2);
    const bodyBN = learn.model.body.modules().filter((x) => x instanceof BatchNorm2d).flatMap((x) => x.parameters());
    expect(learn.trainableVars).toEqual([...bodyBN, ...learn.model.head.parameters()]);
    expect(learn.model.stats).toEqual({ mean: [...IMAGENET_STATS.mean], std: [...IMAGENET_STATS.std] });
    // the model normalises first: its output is the unnormalised model's on normalised inputs
    learn.model.eval();
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 4);
    const a = learn.model.forward(x);
    const xn = tf.div(tf.sub(x, tf.tensor1d([...IMAGENET_STATS.mean])), tf.tensor1d([...IMAGENET_STATS.std]));
    const b = learn.model.head.forward(learn.model.body.forward(xn));
    const [va, vb] = [await values(a), await values(b)];
    va.forEach((v, i) => expect(v).toBeCloseTo(vb[i], 4));
    learn.model.dispose();
  });

  it('adapts 3-channel weights to 1-channel images as fastai (summed), and skips ImageNet statistics', async () => {
    const { file, model } = await savedResnet18();
    const learn = await visionLearner(data({ c: 1 }), resnet18, { pretrained: file });
    const w = learn.model.stateDict()['0.0.weight'];
    expect(w.shape).toEqual([7, 7, 1, 64]);
    const want = tf.sum(model.stateDict()['conv1.weight'], 2, true);
    const [vw, vs] = [await values(w), await values(want)];
    vw.forEach((v, i) => expect(v).toBeCloseTo(vs[i], 5));
    expect(learn.model.stats).toBeNull();
    learn.model.dispose();
  });

  it('pretrained: true finds torchvision\'s file in the weights folder, and says what to download when it is not there', async () => {
    const empty = join(dir, 'empty');
    const err = await visionLearner(data(), resnet18, { weightsDir: empty }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/pretrained weights for resnet18: resnet18-f37072fd\.pth is not on this machine \(looked in .*empty \(the weightsDir option\) and .*hub\/checkpoints \(PyTorch's download cache\)\)/);
    expect(err?.message).toContain('download https://download.pytorch.org/models/resnet18-f37072fd.pth and put it at ' + join(empty, 'resnet18-f37072fd.pth'));
    // a file under torchvision's name (here safetensors in torchvision's keys: the format is read from the bytes)
    const { file, model } = await savedResnet18();
    const folder = mkdtempSync(join(dir, 'weights-'));
    copyFileSync(file, join(folder, 'resnet18-f37072fd.pth'));
    const prev = process.env.TFAI_WEIGHTS_DIR;
    process.env.TFAI_WEIGHTS_DIR = folder;
    try {
      const learn = await visionLearner(data(), resnet18);
      expect(learn.pretrained).toBe(join(folder, 'resnet18-f37072fd.pth'));
      expect((await bytesOf(learn.model.stateDict()['0.0.weight'])).equals(await bytesOf(model.stateDict()['conv1.weight']))).toBe(true);
      learn.model.dispose();
    } finally {
      if (prev === undefined) delete process.env.TFAI_WEIGHTS_DIR;
      else process.env.TFAI_WEIGHTS_DIR = prev;
    }
  });

  it('a file of another architecture is refused naming the file and the key', async () => {
    const { file } = await savedResnet18();
    const n0 = tf.memory().numTensors;
    await expect(visionLearner(data(), mobilenetV2, { pretrained: file })).rejects.toThrow(/resnet18-7\.safetensors: missing key 'features\.0\.0\.weight'/);
    expect(tf.memory().numTensors).toBe(n0 + 2); // the data's two tensors; the model built for the file is freed
  });
});

/** Records lr, beta1 and whether each group's first weight moved, at every training step. */
class Schedule extends Callback {
  override order = 5;
  lrs: number[][] = [];
  moms: number[][] = [];
  override beginBatch(): void {
    if (!this.run.inTrain) return;
    this.lrs.push(this.run.learn.opt.getHyper('lr'));
    this.moms.push(this.run.learn.opt.getHyper('beta1'));
  }
}

/** fastai's `combined_cos(pct, start, middle, end)` at `pos`. */
function combinedCos(pct: number, start: number, middle: number, end: number, pos: number): number {
  const cos = (a: number, b: number, p: number): number => a + ((1 + Math.cos(Math.PI * (1 - p))) * (b - a)) / 2;
  return pos < pct ? cos(start, middle, pos / pct) : cos(middle, end, (pos - pct) / (1 - pct));
}

describe('fineTune is fastai\'s fine_tune', () => {
  it('lr and momentum per group per step: slice(base_lr) at pct 0.99 frozen, then even_mults(base/2/100, base/2) at pct 0.3, div 5', async () => {
    const { file } = await savedResnet18();
    const learn: VisionLearner = await visionLearner(data({ n: 8, size: 16, bs: 4 }), resnet18, { pretrained: file });
    const base = 4e-3;
    const rec = new Schedule();
    const body = learn.model.body;
    const frozenW = body.children()[0].parameters()[0]; // conv1.weight
    const bodyBN = body.children()[1].parameters()[0]; // bn1.weight
    const [w0, bn0] = [await bytesOf(frozenW), await bytesOf(bodyBN)];
    let afterFrozen: Buffer[] = [];
    class Phase extends Callback {
      override async afterFit(): Promise<void> {
        if (afterFrozen.length === 0) afterFrozen = [await bytesOf(frozenW), await bytesOf(bodyBN)];
      }
    }
    await learn.fineTune(2, base, { cbs: [rec, new Phase()], runner: { handleInterrupts: false } });
    // phase 1: 1 epoch × 2 batches; phase 2: 2 epochs × 2 batches
    expect(rec.lrs).toHaveLength(2 + 4);
    const slice1 = [base / 10, base / 10, base];
    const lr2 = base / 2;
    const slice2 = [lr2 / 100, lr2 / 10, lr2]; // even_mults(lr2 / 100, lr2, 3)
    expect(sliceLrs(3, base)).toEqual(slice1);
    sliceLrs(3, lr2, lr2 / 100).forEach((v, i) => expect(v).toBeCloseTo(slice2[i], 15));
    for (let i = 0; i < 2; i++) {
      const pos = i / 2;
      rec.lrs[i].forEach((v, g) => expect(v).toBeCloseTo(combinedCos(0.99, slice1[g] / 25, slice1[g], slice1[g] / 1e5, pos), 12));
      rec.moms[i].forEach((v) => expect(v).toBeCloseTo(combinedCos(0.99, 0.95, 0.85, 0.95, pos), 12));
    }
    for (let i = 0; i < 4; i++) {
      const pos = i / 4;
      rec.lrs[2 + i].forEach((v, g) => expect(v).toBeCloseTo(combinedCos(0.3, slice2[g] / 5, slice2[g], slice2[g] / 1e5, pos), 12));
      rec.moms[2 + i].forEach((v) => expect(v).toBeCloseTo(combinedCos(0.3, 0.95, 0.85, 0.95, pos), 12));
    }
    // frozen phase: the body's conv kept its weights, its BatchNorm trained; then everything trained
    expect(afterFrozen[0].equals(w0)).toBe(true);
    expect(afterFrozen[1].equals(bn0)).toBe(false);
    expect((await bytesOf(frozenW)).equals(w0)).toBe(false);
    // unfreeze forgot the optimizer's state (fastai's freeze_to clears it): 4 steps since
    expect(learn.opt.stateDict().paramSteps['2.0']).toBe(4);
    expect(learn.opt.frozenIdx).toBe(0);
    learn.model.dispose();
  });

  it('refuses a learner with one parameter group and bad arguments, naming them', async () => {
    const { Learner, Sequential, Flatten, crossEntropy, fineTune } = await import('../../src/index.js');
    const one = new Learner({ model: new Sequential(new Flatten(), new Linear(12, 4)), data: data({ size: 2 }), lossFunc: crossEntropy });
    await expect(fineTune(1, 1e-3, { learn: one })).rejects.toThrow(/fineTune: the learner has 1 parameter group; it needs a splitter that returns \[body …, head\] groups/);
    const learn = await visionLearner(data(), mobilenetV2, { pretrained: false });
    await expect(learn.fineTune(0)).rejects.toThrow(/fineTune: epochs must be an integer >= 1, got 0/);
    await expect(learn.fineTune(1, -1)).rejects.toThrow(/fineTune: baseLr must be a finite number > 0, got -1/);
    await expect(learn.fineTune(1, 1e-3, { freezeEpochs: 1.5 })).rejects.toThrow(/freezeEpochs must be an integer >= 0, got 1\.5/);
    expect(sliceLrs(1, 0.1, 0.001)).toEqual([0.1]);
    await expect(visionLearner(data(), mobilenetV2, { pretrained: false, normalize: { mean: [0.5], std: [0.2] } })).rejects.toThrow(/normalize gives 1 means and 1 stds for 3 input channels/);
    learn.model.dispose();
  });

  it('norm layers and biases get no weight decay (fastai\'s wd_bn_bias=False); other weights do', async () => {
    const learn = await visionLearner(data(), resnet18, { pretrained: false, optFunc: adam({ wd: 0.5 }) });
    const bn = learn.model.body.children()[1] as BatchNorm2d;
    const conv = learn.model.body.children()[0].parameters()[0];
    const excluded = learn.opt.excludedFromWeightDecay;
    expect(excluded.has(bn.weight) && excluded.has(bn.bias)).toBe(true);
    expect(excluded.has(conv)).toBe(false);
    // a step with zero gradients: only weight decay moves the parameters
    const zeros = Object.fromEntries([bn.weight, conv].map((v) => [v.name, tf.zerosLike(v)]));
    const [b0, c0] = [await values(bn.weight), await values(conv)];
    learn.opt.step(zeros);
    expect(await values(bn.weight)).toEqual(b0);
    const c1 = await values(conv);
    c1.forEach((v, i) => expect(v).toBeCloseTo(c0[i] * (1 - 1e-3 * 0.5), 6));
    tf.dispose(Object.values(zeros));
    learn.model.dispose();
  });

  it('lrFind works on a frozen vision learner: the body stays frozen during the sweep and everything is put back', async () => {
    const { file } = await savedResnet18();
    const learn = await visionLearner(data({ n: 8, size: 16, bs: 4 }), resnet18, { pretrained: file });
    const conv = learn.model.body.children()[0].parameters()[0];
    const before = Object.fromEntries(await Promise.all(Object.entries(learn.model.stateDict()).map(async ([k, v]) => [k, await bytesOf(v)] as const)));
    let convDuring: Buffer | null = null;
    class Peek extends Callback {
      override async afterStep(): Promise<void> {
        convDuring ??= await bytesOf(conv);
      }
    }
    const n0 = tf.memory().numTensors;
    const r = await lrFind(learn, { maxIter: 6, cbs: [new Peek()] });
    expect(tf.memory().numTensors).toBe(n0);
    expect(r.lrs).toHaveLength(7);
    expect(Number.isFinite(r.suggestion)).toBe(true);
    expect(convDuring!.equals(before['0.0.weight'])).toBe(true);
    const changed = [];
    for (const [k, v] of Object.entries(learn.model.stateDict())) if (!(await bytesOf(v)).equals(before[k])) changed.push(k);
    expect(changed).toEqual([]);
    expect(learn.opt.frozenIdx).toBe(2);
    learn.model.dispose();
  });
});
