import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, Hook, Hooks, ActivationStats, appendStats, appendStatsWith, saveStatsPlots, getCnnModel, initCnn, Learner, Runner, Callback, TensorDataset, DataLoader, DataBunch, crossEntropy, sgd, setSeed, type Module, type HookFn } from '../../src/index.js';
import { histc } from '../../src/hooks/activation-stats.js';
import { useBackend } from '../helpers/backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 24 train / 12 valid random 8×8 one-channel images in 3 classes; bs 6 → 4 training + 2 validation batches. */
function tinyImages(): DataBunch {
  setSeed(3);
  const make = (n: number, seed: number): TensorDataset =>
    new TensorDataset(tf.randomNormal([n, 8, 8, 1], 0, 1, 'float32', seed), tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32'));
  return new DataBunch(new DataLoader(make(24, 1), { bs: 6, shuffle: true, seed: 1 }), new DataLoader(make(12, 2), { bs: 6 }), 3);
}

/** conv(1→4) and conv(4→8) blocks with BatchNorm, pool, flatten, linear. */
function tinyConvLearner(): Learner<Module> {
  setSeed(5);
  const data = tinyImages();
  const model = getCnnModel(data, [4, 8]);
  initCnn(model);
  return new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.1 });
}

/** The first two children (the conv blocks). */
const convBlocks = (m: Module): Module[] => m.children().slice(0, 2);

/** Plain-JS `torch.histc`: counts in `bins` equal bins over [min, max], max in the last bin. */
function jsHistc(xs: ArrayLike<number>, bins: number, min: number, max: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const x of Array.from(xs)) {
    if (!(x >= min && x <= max)) continue;
    out[Math.min(bins - 1, Math.floor(((x - min) * bins) / (max - min)))]++;
  }
  return out;
}

function jsMeanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  const a = Array.from(xs);
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  const v = a.reduce((s, x) => s + (x - mean) ** 2, 0) / (a.length - 1);
  return { mean, std: Math.sqrt(v) };
}

describe('histc', () => {
  it('counts like torch.histc: max in the last bin, out-of-range and NaN ignored', () => {
    const xs = [-0.5, 0, 0.1, 0.25, 0.5, 0.99, 1, 1.01, NaN, 0.75, 0.2];
    const h = histc(tf.tensor1d(xs), 4, 0, 1);
    expect(Array.from(h.dataSync())).toEqual(jsHistc(xs, 4, 0, 1));
    expect(Array.from(h.dataSync())).toEqual([3, 1, 1, 3]);
    h.dispose();
  });

  it('rejects an empty range or a bad bin count', () => {
    const x = tf.zeros([3]);
    expect(() => histc(x, 4, 1, 1)).toThrow(/min < max/);
    expect(() => histc(x, 0, 0, 1)).toThrow(/bins/);
    x.dispose();
  });
});

describe('Hook and Hooks', () => {
  it('appendStats records the output mean, std and histogram as computed independently', async () => {
    const learn = tinyConvLearner();
    const layer = learn.model.children()[0];
    const opts = { bins: 8, min: -1, max: 1 };
    const hook = new Hook(layer, appendStatsWith(opts));
    const x = tf.randomNormal([5, 8, 8, 1], 0, 1, 'float32', 9);
    tf.tidy(() => learn.model.forward(x));
    hook.remove(); // the statistics stay readable; the manual run below must not record
    // Recorded by hand, outside a fit: the numbers are still on the device until flushed (never read synchronously).
    expect(() => hook.stats!.means).toThrow(/1 recorded batch is still on the device: `await stats.flush\(\)`/);
    await hook.stats!.flush();
    // Run the layer by hand (training mode: batch statistics, so the same output).
    const out = tf.tidy(() => layer.forward(x));
    const vals = out.dataSync();
    const { mean, std } = jsMeanStd(vals);
    expect(hook.stats!.means).toHaveLength(1);
    expect(hook.stats!.means[0]).toBeCloseTo(mean, 5);
    expect(hook.stats!.stds[0]).toBeCloseTo(std, 4);
    const inRange = Array.from(vals).filter((v) => v >= -1 && v <= 1).length;
    expect(hook.stats!.hists[0].reduce((a, b) => a + b, 0)).toBe(inRange);
    expect(hook.stats!.hists[0]).toEqual(jsHistc(vals, 8, -1, 1));
    expect(hook.stats).toBeInstanceOf(ActivationStats);
    expect(hook.stats?.histMatrix().map((r) => r[0])).toEqual(hook.stats!.hists[0]);
    tf.dispose([x, out]);
  });

  it('records one entry per training batch and none in validation', async () => {
    const learn = tinyConvLearner();
    const hooks = new Hooks(convBlocks(learn.model), appendStats);
    await new Runner().fit(2, learn);
    const sizes = [6 * 4 * 4 * 4, 6 * 2 * 2 * 8]; // block outputs [6, 4, 4, 4] and [6, 2, 2, 8]
    for (const [i, h] of [...hooks].entries()) {
      expect(h.stats!.means).toHaveLength(8);
      expect(h.stats!.stds).toHaveLength(8);
      expect(h.stats!.hists).toHaveLength(8);
      expect(h.stats!.hists[0]).toHaveLength(40);
      h.stats!.hists.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(sizes[i]));
    }
    hooks.remove();
  });

  it('on wasm, the memory probe before the first step (steps on 2 and 4 samples) leaves no entry', async () => {
    await useBackend('wasm');
    try {
      const learn = tinyConvLearner();
      const hooks = new Hooks(convBlocks(learn.model), appendStats);
      await new Runner().fit(2, learn);
      for (const h of hooks) expect(h.stats!.means).toHaveLength(8);
      hooks.remove();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('keeps the tensor count flat across epochs and returns to the pre-hook count after remove()', async () => {
    const learn = tinyConvLearner();
    await new Runner().fit(1, learn); // warm up (optimizer state, BN buffers)
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    class Count extends Callback {
      override order = 100;
      override afterEpoch(): void {
        counts.push(tf.memory().numTensors);
      }
    }
    const hooks = new Hooks(convBlocks(learn.model), appendStatsWith({ flushEvery: 3 }));
    await new Runner({ cbs: [new Count()] }).fit(4, learn);
    expect(counts[2]).toBe(counts[1]);
    expect(counts[3]).toBe(counts[1]);
    hooks.remove();
    expect(tf.memory().numTensors).toBe(before);
    // The statistics were copied to the host before the tensors were freed.
    expect(hooks[0].stats!.means).toHaveLength(16);
    expect(hooks[1].stats!.means.every(Number.isFinite)).toBe(true);
  });

  it('a removed hook never fires again and disposes the tensors it kept', () => {
    const learn = tinyConvLearner();
    const layer = learn.model.children()[0];
    let calls = 0;
    const hook = new Hook<tf.Tensor>(layer, (h, { output }) => {
      calls++;
      h.stats?.dispose();
      h.stats = tf.keep(tf.mean(output));
    });
    const x = tf.randomNormal([2, 8, 8, 1]);
    tf.tidy(() => learn.model.forward(x));
    tf.tidy(() => learn.model.forward(x));
    expect(calls).toBe(2);
    const kept = hook.stats!;
    expect(kept.isDisposed).toBe(false);
    hook.remove();
    expect(hook.removed).toBe(true);
    expect(kept.isDisposed).toBe(true);
    tf.tidy(() => learn.model.forward(x));
    expect(calls).toBe(2);
    hook.remove(); // idempotent
    x.dispose();
  });

  it('`using` removes hooks at the end of the block', () => {
    const learn = tinyConvLearner();
    let calls = 0;
    let outer: Hooks | undefined;
    const x = tf.randomNormal([2, 8, 8, 1]);
    {
      using hooks = new Hooks(learn.model, () => void calls++);
      outer = hooks;
      tf.tidy(() => learn.model.forward(x));
      expect(calls).toBe(learn.model.children().length);
    }
    expect([...outer].every((h) => h.removed)).toBe(true);
    tf.tidy(() => learn.model.forward(x));
    expect(calls).toBe(learn.model.children().length);
    const h = new Hook(learn.model, () => void calls++);
    h[Symbol.dispose]();
    expect(h.removed).toBe(true);
    x.dispose();
  });

  it('is indexable and iterable; a Module argument hooks its children', () => {
    const learn = tinyConvLearner();
    const hooks = new Hooks(learn.model, appendStats);
    const kids = learn.model.children();
    expect(hooks.length).toBe(kids.length);
    expect([...hooks].map((h) => h.module)).toEqual(kids);
    expect(hooks[0].module).toBe(kids[0]);
    expect(hooks.at(-1)?.module).toBe(kids.at(-1));
    expect(hooks.slice(0, -1)).toHaveLength(kids.length - 1);
    hooks.remove();
    expect(hooks.slice().every((h) => h.removed)).toBe(true);
  });
});

describe('saveStatsPlots', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfai-hooks-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the four figures as SVG and PNG', async () => {
    const learn = tinyConvLearner();
    const hooks = new Hooks(convBlocks(learn.model), appendStats);
    await new Runner().fit(1, learn);
    await hooks.flush();
    const paths = await saveStatsPlots(hooks, dir, 'tiny', { firstN: 3 });
    hooks.remove();
    for (const f of Object.values(paths)) {
      expect(existsSync(f.svg)).toBe(true);
      expect(statSync(f.png).size).toBeGreaterThan(1000);
    }
    expect(paths.meanStdFirst.png).toMatch(/tiny-means-stds-first3\.png$/);
    // the histogram grid: y in activation values (the default histc range [0, 10]) with colour bars
    const hists = readFileSync(paths.hists.svg, 'utf8');
    const t = [...hists.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(t).toEqual(expect.arrayContaining(['activation', 'log1p(count)', '10']));
    expect(t).not.toContain('bin');
    expect(hists.match(/class="colorbar"/g)?.length).toBe(convBlocks(learn.model).length);
  });
});

describe('generic hooks', () => {
  it('a hook function with initStats gets its state at construction; Hooks.flush and remove use any state’s flush/dispose', async () => {
    const calls: string[] = [];
    class Shapes {
      seen: number[][] = [];
      async flush(): Promise<void> {
        calls.push('flush');
      }
      dispose(): void {
        calls.push('dispose');
      }
    }
    const record: HookFn<Shapes> = Object.assign((hook: Hook<Shapes>, { output }: { output: tf.Tensor }) => hook.stats?.seen.push(output.shape), { initStats: () => new Shapes() });
    const learn = tinyConvLearner();
    const hooks = new Hooks(convBlocks(learn.model), record);
    expect([...hooks].every((h) => h.stats instanceof Shapes && h.stats.seen.length === 0)).toBe(true);
    await new Runner({ cbs: [] }).fit(1, learn);
    expect(hooks[0].stats?.seen[0]).toEqual([6, 4, 4, 4]);
    expect(hooks[1].stats?.seen).toHaveLength(6); // 4 training + 2 validation batches
    await hooks.flush();
    hooks.remove();
    expect(calls).toEqual(['flush', 'flush', 'dispose', 'dispose']);
  });
});
