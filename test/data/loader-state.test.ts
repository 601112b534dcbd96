/**
 * DataLoader state for checkpoints: the shuffle generator's state and the current epoch's order
 * round-trip, `resumeAt` continues an epoch where it stopped, and a state that does not fit is
 * refused before anything changes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, TensorDataset, DataLoader } from '../../src/index.js';
import { makeRng, permutation } from '../../src/core/rng.js';
import { seededRand } from '../../src/data/samplers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ds = (n: number): TensorDataset => new TensorDataset(tf.range(0, n).reshape([n, 1]), tf.range(0, n, 1, 'int32'));

/** The item indices of each batch of one epoch, the first `stop` batches only if given. */
async function epoch(dl: DataLoader, stop = Infinity): Promise<number[][]> {
  const out: number[][] = [];
  for await (const [xb, yb] of dl) {
    out.push(Array.from(await yb.data()));
    tf.dispose([xb, yb]);
    if (out.length >= stop) break;
  }
  return out;
}

describe('DataLoader getState / setState', () => {
  it('seededRand(seed) draws the same sequence as makeRng(seed), and has a state', () => {
    const a = makeRng(5);
    const b = seededRand(5);
    expect(Array.from({ length: 5 }, () => b())).toEqual(Array.from({ length: 5 }, () => a()));
    expect(Object.keys(b.state()).sort()).toEqual(['c', 's0', 's1', 's2']);
    expect(Array.from(permutation(6, seededRand(1)))).toEqual(Array.from(permutation(6, makeRng(1))));
  });

  it('restores the shuffle generator: the next epochs are those the original would have drawn', async () => {
    const a = new DataLoader(ds(20), { bs: 6, shuffle: true, seed: 3 });
    await epoch(a);
    const s = a.getState();
    const next = [await epoch(a), await epoch(a)];
    const b = new DataLoader(ds(20), { bs: 6, shuffle: true, seed: 3 });
    b.setState(JSON.parse(JSON.stringify(s)));
    expect([await epoch(b), await epoch(b)]).toEqual(next);
  });

  it('resumeAt continues a stopped epoch from the saved order, then carries on as the original', async () => {
    const a = new DataLoader(ds(20), { bs: 6, shuffle: true, seed: 9 });
    const first = await epoch(a, 2); // stopped after 2 of 4 batches
    const s = a.getState({ withOrder: true });
    expect(s.order).toHaveLength(20);
    const ref = new DataLoader(ds(20), { bs: 6, shuffle: true, seed: 9 });
    const full = await epoch(ref);
    const after = await epoch(ref);
    const b = new DataLoader(ds(20), { bs: 6, shuffle: true, seed: 9 });
    b.setState(s, { resumeAt: 2 });
    expect([...first, ...(await epoch(b))]).toEqual(full);
    expect(await epoch(b)).toEqual(after);
  });

  it('an unshuffled loader resumes at a batch without saving an order', async () => {
    const dl = new DataLoader(ds(10), { bs: 3 });
    dl.setState(dl.getState({ withOrder: true }), { resumeAt: 3 });
    expect(await epoch(dl)).toEqual([[9]]);
    expect(await epoch(dl)).toHaveLength(4);
  });

  it('refuses a state that does not fit, changing nothing', async () => {
    const seeded = new DataLoader(ds(10), { bs: 3, shuffle: true, seed: 1 });
    const global = new DataLoader(ds(10), { bs: 3, shuffle: true });
    expect(() => global.setState(seeded.getState())).toThrow(/the saved state has its own shuffle generator but this loader has none/);
    expect(() => seeded.setState(global.getState())).toThrow(/has no shuffle generator of its own but this loader has one/);
    expect(() => seeded.setState(seeded.getState(), { resumeAt: 2 })).toThrow(/resuming a shuffled loader at batch 2 needs the epoch's order/);
    expect(() => seeded.setState({ ...seeded.getState(), order: [0, 1, 2] }, { resumeAt: 1 })).toThrow(/the saved order has 3 items, the dataset 10/);
    expect(() => seeded.setState({ ...seeded.getState(), order: [0, 0, 1, 2, 3, 4, 5, 6, 7, 8] }, { resumeAt: 1 })).toThrow(/order is not a permutation of 0…9 \(index 0\)/);
    expect(() => seeded.setState(seeded.getState(), { resumeAt: 9 })).toThrow(/resumeAt must be an integer in \[0, 4\], got 9/);
    const again = new DataLoader(ds(10), { bs: 3, shuffle: true, seed: 1 });
    expect(await epoch(seeded)).toEqual(await epoch(again));
  });
});
