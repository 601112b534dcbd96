import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { setSeed } from '../../src/core/rng.js';
import {
  BatchSampler,
  DataBunch,
  DataLoader,
  ImageDataBunch,
  RandomSampler,
  getDls,
  SequentialSampler,
  TensorDataset,
  type Dataset,
} from '../../src/data/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A dataset whose x is the item index, so batches reveal the visiting order. */
function indexDataset(n: number): TensorDataset {
  return new TensorDataset(tf.range(0, n, 1, 'float32').reshape([n, 1]), tf.range(0, n, 1, 'int32'));
}

/** One epoch's visiting order, disposing every batch. */
async function epochOrder(dl: DataLoader): Promise<{ order: number[]; sizes: number[] }> {
  const order: number[] = [];
  const sizes: number[] = [];
  for await (const [xb, yb] of dl) {
    const ys = Array.from(yb.dataSync());
    expect(Array.from(xb.dataSync())).toEqual(ys); // x and y stay paired
    order.push(...ys);
    sizes.push(xb.shape[0]);
    xb.dispose();
    yb.dispose();
  }
  return { order, sizes };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('samplers', () => {
  it('SequentialSampler gives 0..n-1', () => {
    expect(Array.from(new SequentialSampler(4).indices())).toEqual([0, 1, 2, 3]);
  });

  it('RandomSampler gives a permutation, a new one each epoch, reproducible from its rand', () => {
    let s = 0;
    const lcg = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rs = new RandomSampler(50, { rand: lcg });
    const a = Array.from(rs.indices());
    const b = Array.from(rs.indices());
    expect([...a].sort((p, q) => p - q)).toEqual(range(50));
    expect(a).not.toEqual(b);
    s = 0;
    expect(Array.from(new RandomSampler(50, { rand: lcg }).indices())).toEqual(a);
  });

  it('BatchSampler cuts an epoch into Int32Array batches', () => {
    const bsm = new BatchSampler(new SequentialSampler(7), { bs: 3 });
    expect(bsm.length).toBe(3);
    const batches = [...bsm].map((b) => Array.from(b));
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const dropped = new BatchSampler(new SequentialSampler(7), { bs: 3, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map((b) => Array.from(b))).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect([...bsm][0]).toBeInstanceOf(Int32Array);
    expect(() => new BatchSampler(new SequentialSampler(3), { bs: 0 })).toThrow(/bs must be an integer >= 1, got 0/);
  });
});

describe('DataLoader', () => {
  it('counts batches and keeps a last partial batch', async () => {
    const ds = indexDataset(10);
    const dl = new DataLoader(ds, { bs: 4 });
    expect(dl.length).toBe(3);
    expect(dl.bs).toBe(4);
    expect(dl.dataset).toBe(ds);
    const { order, sizes } = await epochOrder(dl);
    expect(sizes).toEqual([4, 4, 2]);
    expect(order).toEqual(range(10));
    ds.dispose();
  });

  it('drops the last partial batch with dropLast', async () => {
    const ds = indexDataset(10);
    const dl = new DataLoader(ds, { bs: 4, dropLast: true });
    expect(dl.length).toBe(2);
    expect(dl.nItems).toBe(8);
    const { order, sizes } = await epochOrder(dl);
    expect(sizes).toEqual([4, 4]);
    expect(order).toEqual(range(8));
    // exact multiple: nothing to drop
    const dl2 = new DataLoader(ds, { bs: 5, dropLast: true });
    expect(dl2.length).toBe(2);
    expect((await epochOrder(dl2)).sizes).toEqual([5, 5]);
    ds.dispose();
  });

  it('one batch when bs >= length (without dropLast)', async () => {
    const ds = indexDataset(3);
    const dl = new DataLoader(ds, { bs: 100 });
    expect(dl.length).toBe(1);
    expect((await epochOrder(dl)).sizes).toEqual([3]);
    ds.dispose();
  });

  it('is also synchronously iterable', () => {
    const ds = indexDataset(5);
    const dl = new DataLoader(ds, { bs: 2 });
    const sizes: number[] = [];
    for (const [xb, yb] of dl) {
      sizes.push(xb.shape[0]);
      tf.dispose([xb, yb]);
    }
    expect(sizes).toEqual([2, 2, 1]);
    ds.dispose();
  });

  it('shuffle covers every index exactly once per epoch', async () => {
    const ds = indexDataset(37);
    const dl = new DataLoader(ds, { bs: 5, shuffle: true, seed: 3 });
    for (let epoch = 0; epoch < 3; epoch++) {
      const { order, sizes } = await epochOrder(dl);
      expect(order).toHaveLength(37);
      expect([...order].sort((a, b) => a - b)).toEqual(range(37));
      expect(order).not.toEqual(range(37));
      expect(sizes).toEqual([5, 5, 5, 5, 5, 5, 5, 2]);
    }
    ds.dispose();
  });

  it('shuffle with dropLast visits distinct indices and varies which are dropped', async () => {
    const ds = indexDataset(10);
    const dl = new DataLoader(ds, { bs: 3, shuffle: true, dropLast: true, seed: 1 });
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 10; epoch++) {
      const { order } = await epochOrder(dl);
      expect(order).toHaveLength(9);
      expect(new Set(order).size).toBe(9);
      order.forEach((i) => seen.add(i));
    }
    expect(seen.size).toBe(10);
    ds.dispose();
  });

  it('same seed → same sequence of permutations; successive epochs differ', async () => {
    const ds = indexDataset(64);
    const a = new DataLoader(ds, { bs: 8, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { bs: 8, shuffle: true, seed: 42 });
    const c = new DataLoader(ds, { bs: 8, shuffle: true, seed: 43 });
    const a1 = (await epochOrder(a)).order;
    const a2 = (await epochOrder(a)).order;
    const b1 = (await epochOrder(b)).order;
    const b2 = (await epochOrder(b)).order;
    const c1 = (await epochOrder(c)).order;
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(c1).not.toEqual(a1);
    ds.dispose();
  });

  it('without a seed, shuffling follows the global setSeed', async () => {
    const ds = indexDataset(32);
    setSeed(7);
    const o1 = (await epochOrder(new DataLoader(ds, { bs: 8, shuffle: true }))).order;
    setSeed(7);
    const o2 = (await epochOrder(new DataLoader(ds, { bs: 8, shuffle: true }))).order;
    expect(o2).toEqual(o1);
    ds.dispose();
  });

  it('rejects a bad bs, naming the parameter and the allowed range', () => {
    const ds = indexDataset(5);
    expect(() => new DataLoader(ds, { bs: 0 })).toThrow('DataLoader: bs must be an integer >= 1, got 0');
    expect(() => new DataLoader(ds, { bs: -3 })).toThrow(/bs must be an integer >= 1, got -3/);
    expect(() => new DataLoader(ds, { bs: 2.5 })).toThrow(/bs must be an integer >= 1, got 2.5/);
    expect(() => new DataLoader(ds, { bs: Number.NaN })).toThrow(/bs must be an integer >= 1, got NaN/);
    ds.dispose();
  });

  it('rejects an empty dataset and a dropLast loader with zero batches', () => {
    const empty: Dataset = {
      length: 0,
      getBatch: () => {
        throw new Error('unreachable');
      },
    };
    expect(() => new DataLoader(empty, { bs: 4 })).toThrow(/dataset is empty \(length 0\)/);
    const ds = indexDataset(5);
    expect(() => new DataLoader(ds, { bs: 6, dropLast: true })).toThrow(
      /dropLast with bs 6 > dataset length 5 gives zero batches/,
    );
    expect(() => new DataLoader(ds, { bs: 5, dropLast: true })).not.toThrow();
    ds.dispose();
  });

  it('leaks no tensors over epochs (also when breaking out early)', async () => {
    const ds = indexDataset(23);
    const dl = new DataLoader(ds, { bs: 4, shuffle: true, seed: 0 });
    const baseline = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) await epochOrder(dl);
    expect(tf.memory().numTensors).toBe(baseline);
    for await (const [xb, yb] of dl) {
      tf.dispose([xb, yb]);
      break;
    }
    expect(tf.memory().numTensors).toBe(baseline);
    ds.dispose();
    expect(tf.memory().numTensors).toBe(baseline - 2);
  });
});

describe('DataBunch', () => {
  it('holds the loaders, c, infers cIn, and disposes both datasets', () => {
    const tr = new TensorDataset(tf.zeros([6, 4, 4, 3]), tf.zeros([6], 'int32'));
    const va = new TensorDataset(tf.zeros([2, 4, 4, 3]), tf.zeros([2], 'int32'));
    const db = new DataBunch(new DataLoader(tr, { bs: 2, shuffle: true }), new DataLoader(va, { bs: 4 }), 5);
    expect(db.c).toBe(5);
    expect(db.cIn).toBe(3);
    expect(db.trainDs).toBe(tr);
    expect(db.validDs).toBe(va);
    expect(new DataBunch(db.trainDl, db.validDl, 5, 7).cIn).toBe(7);
    db.dispose();
    expect(tr.x.isDisposed && tr.y.isDisposed && va.x.isDisposed && va.y.isDisposed).toBe(true);
    expect(() => new DataBunch(db.trainDl, db.validDl, 0)).toThrow(/c \(number of classes\) must be an integer >= 1, got 0/);
  });

  it('cIn is the feature count for flat inputs', () => {
    const tr = new TensorDataset(tf.zeros([3, 784]), tf.zeros([3]));
    const db = new DataBunch(new DataLoader(tr, { bs: 2 }), new DataLoader(tr, { bs: 2 }), 10);
    expect(db.cIn).toBe(784);
    db.dispose();
    expect(tr.x.isDisposed).toBe(true);
  });

  it('normStats: given as an option, checked, and kept; the fourth argument may still be cIn', () => {
    const tr = new TensorDataset(tf.zeros([4, 2, 2, 3]), tf.zeros([4], 'int32'));
    const dl = new DataLoader(tr, { bs: 2 });
    const db = new DataBunch(dl, dl, 2, { normStats: { mean: [0.1, 0.2, 0.3], std: [1, 2, 3] } });
    expect(db.normStats).toEqual({ mean: [0.1, 0.2, 0.3], std: [1, 2, 3] });
    expect(db.cIn).toBe(3);
    expect(new DataBunch(dl, dl, 2, { cIn: 5 }).cIn).toBe(5);
    expect(new DataBunch(dl, dl, 2).normStats).toBeUndefined();
    expect(() => new DataBunch(dl, dl, 2, { normStats: { mean: 0, std: 0 } })).toThrow('DataBunch: normStats.std must be non-zero, got 0');
    expect(() => new DataBunch(dl, dl, 2, { normStats: { mean: [0, NaN], std: [1, 1] } })).toThrow('DataBunch: normStats.mean[1] must be finite, got NaN');
    tr.dispose();
  });

  it('withBs re-batches the same datasets: bs, 2·bs for validation, shuffle/seed/dropLast, c, cIn and normStats carried over', async () => {
    const tr = indexDataset(10);
    const va = indexDataset(7);
    const db = new DataBunch(new DataLoader(tr, { bs: 4, shuffle: true, seed: 3 }), new DataLoader(va, { bs: 8 }), 10, { normStats: { mean: 0.5, std: 2 } });
    const re = db.withBs(3);
    expect(re).toBeInstanceOf(DataBunch);
    expect(re).not.toBe(db);
    expect([re.trainDl.bs, re.validDl.bs, re.trainDl.shuffle, re.validDl.shuffle, re.trainDl.seed]).toEqual([3, 6, true, false, 3]);
    expect([re.c, re.cIn, re.normStats]).toEqual([10, 1, { mean: 0.5, std: 2 }]);
    expect(re.trainDs).toBe(tr);
    expect(re.validDs).toBe(va);
    const a = await epochOrder(re.trainDl);
    expect(a.sizes).toEqual([3, 3, 3, 1]);
    expect([...a.order].sort((x, y) => x - y)).toEqual(range(10));
    // the same seed gives the same order at the same batch size
    expect((await epochOrder(db.withBs(3).trainDl)).order).toEqual(a.order);
    expect((await epochOrder(re.validDl)).sizes).toEqual([6, 1]);
    expect(db.withBs(2, { validBs: 5 }).validDl.bs).toBe(5);
    expect(() => db.withBs(0)).toThrow('DataBunch.withBs: bs must be an integer >= 1, got 0');
    expect(() => db.withBs(2, { validBs: 1.5 })).toThrow('DataBunch.withBs: validBs must be an integer >= 1, got 1.5');
    const dropping = new DataBunch(new DataLoader(tr, { bs: 4, dropLast: true }), new DataLoader(va, { bs: 8 }), 10);
    expect(dropping.withBs(3).trainDl.dropLast).toBe(true);
    expect(() => dropping.withBs(11)).toThrow(/dropLast with bs 11 > dataset length 10/);
    db.dispose();
  });

  it('withBs on an ImageDataBunch keeps its class names', () => {
    const tr = new TensorDataset(tf.zeros([4, 2, 2, 3]), tf.zeros([4], 'int32'));
    const dl = new DataLoader(tr, { bs: 2 });
    const re = new ImageDataBunch(dl, dl, ['cat', 'dog'], { normStats: { mean: [0, 0, 0], std: [1, 1, 1] } }).withBs(4);
    expect(re).toBeInstanceOf(ImageDataBunch);
    expect(re.classes).toEqual(['cat', 'dog']);
    expect([re.c, re.cIn, re.trainDl.bs]).toEqual([2, 3, 4]);
    expect(re.normStats).toEqual({ mean: [0, 0, 0], std: [1, 1, 1] });
    tr.dispose();
  });

  it('getDls: a shuffled training loader at bs and an in-order validation loader at 2·bs, as in the notebooks', async () => {
    const tr = indexDataset(9);
    const va = indexDataset(9);
    const data = new DataBunch(...getDls(tr, va, 2, { seed: 5 }), 10);
    expect([data.trainDl.bs, data.trainDl.shuffle, data.trainDl.seed, data.validDl.bs, data.validDl.shuffle]).toEqual([2, true, 5, 4, false]);
    const t = await epochOrder(data.trainDl);
    expect(t.order).not.toEqual(range(9));
    expect((await epochOrder(data.validDl)).order).toEqual(range(9));
    const [, v] = getDls(tr, va, 2, { validBs: 9, dropLast: true });
    expect([v.bs, v.dropLast]).toEqual([9, true]);
    expect(() => getDls(tr, va, 0)).toThrow('getDls: bs must be an integer >= 1, got 0');
    data.dispose();
  });
});
