import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import {
  CIFAR10_CLASSES,
  CIFAR10_MEAN,
  CIFAR10_STD,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
  parseCifarBin,
} from '../../src/data/cifar10.js';
import { downloadCifar10, type FetchLike } from '../../src/data/download.js';
import { writeTar } from '../helpers/tar.js';
import { encodePng } from '../../src/data/image-decode.js';
import { TransformedDataset } from '../../src/data/augment.js';
import { tempDirs } from '../helpers/temp-dirs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const newDir = tempDirs('tfai-cifar-');

/** One record in the official format: label byte, then the R, G and B 32×32 planes. */
function record(label: number, r: number, g: number, b: number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  rec.fill(r, 1, 1025);
  rec.fill(g, 1025, 2049);
  rec.fill(b, 2049, 3073);
  return rec;
}

/** A .bin of `labels.length` records; record i has R = 255, G = 10·i, B = label. */
function bin(labels: number[]): Buffer {
  return Buffer.concat(labels.map((l, i) => record(l, 255, 10 * i, l)));
}

/** The six official files in `dir`, each with 3 records (labels start at `file index`). */
function writeBins(dir: string, withMeta = true): void {
  CIFAR10_TRAIN_FILES.forEach((f, k) => writeFileSync(join(dir, f), bin([k, k + 1, k + 2])));
  writeFileSync(join(dir, 'test_batch.bin'), bin([9, 8]));
  if (withMeta) writeFileSync(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n\n');
}

async function firstBatch(dl: Iterable<[tf.Tensor, tf.Tensor]>): Promise<[Float32Array, Int32Array, number[]]> {
  const it = dl[Symbol.iterator]();
  const [x, y] = it.next().value as [tf.Tensor, tf.Tensor];
  it.return?.();
  const out: [Float32Array, Int32Array, number[]] = [x.dataSync() as Float32Array, y.dataSync() as Int32Array, x.shape];
  x.dispose();
  y.dispose();
  return out;
}

describe('parseCifarBin', () => {
  it('converts CHW records to NHWC: an R-plane-only record gives pixels [255, 0, 0]', () => {
    const { images, labels } = parseCifarBin(record(3, 255, 0, 0), 'r.bin');
    expect(labels).toEqual(new Int32Array([3]));
    expect(images.length).toBe(32 * 32 * 3);
    expect(Array.from(images.subarray(0, 6))).toEqual([255, 0, 0, 255, 0, 0]);
    expect(Array.from(images.subarray(images.length - 3))).toEqual([255, 0, 0]);
  });

  it('keeps pixel positions: CHW index (c, y, x) lands at NHWC ((y·32 + x)·3 + c)', () => {
    const rec = new Uint8Array(3073);
    rec[1 + 0 * 1024 + 5 * 32 + 7] = 11; // R at y=5, x=7
    rec[1 + 2 * 1024 + 31 * 32 + 0] = 22; // B at y=31, x=0
    const { images } = parseCifarBin(rec);
    expect(images[(5 * 32 + 7) * 3 + 0]).toBe(11);
    expect(images[(31 * 32 + 0) * 3 + 2]).toBe(22);
    expect(images.reduce((a, b) => a + b, 0)).toBe(33);
  });

  it('rejects a size that is not a multiple of 3,073, naming the file, size and remainder', () => {
    expect(() => parseCifarBin(new Uint8Array(3073 * 2 + 5), 'data/bad.bin')).toThrow(
      /data\/bad\.bin: size 6151 bytes is not a multiple of the 3073-byte.*2 whole records and 5 bytes left over/,
    );
  });

  it('rejects labels >= 10 naming the record', () => {
    expect(() => parseCifarBin(Buffer.concat([record(1, 0, 0, 0), record(12, 0, 0, 0)]), 'x.bin')).toThrow(/x\.bin: record 1 .*label 12/);
  });
});

describe('loadCifar10 from .bin files', () => {
  it('reads all splits, NHWC [0,1] without normalisation, classes from batches.meta.txt', async () => {
    const dir = newDir();
    writeBins(dir);
    const db = await loadCifar10({ dir, bs: 4, normalize: false, seed: 1 });
    expect(db.trainDs.length).toBe(15);
    expect(db.validDs.length).toBe(2);
    expect(db.c).toBe(10);
    expect(db.cIn).toBe(3);
    expect(db.classes).toEqual(CIFAR10_CLASSES);
    const [x, y, shape] = await firstBatch(db.validDl);
    expect(shape).toEqual([2, 32, 32, 3]);
    expect(Array.from(y)).toEqual([9, 8]);
    // record 0 of test_batch: R=255 → 1, G=0 → 0, B=9 → 9/255
    expect(x[0]).toBeCloseTo(1, 6);
    expect(x[1]).toBeCloseTo(0, 6);
    expect(x[2]).toBeCloseTo(9 / 255, 6);
    // record 1: G = 10
    expect(x[32 * 32 * 3 + 1]).toBeCloseTo(10 / 255, 6);
  });

  it('normalises per channel with the CIFAR-10 mean/std', async () => {
    const dir = newDir();
    writeBins(dir);
    const db = await loadCifar10({ dir, bs: 4 });
    const [x] = await firstBatch(db.validDl);
    expect(x[0]).toBeCloseTo((1 - CIFAR10_MEAN[0]) / CIFAR10_STD[0], 5);
    expect(x[1]).toBeCloseTo((0 - CIFAR10_MEAN[1]) / CIFAR10_STD[1], 5);
    expect(x[2]).toBeCloseTo((9 / 255 - CIFAR10_MEAN[2]) / CIFAR10_STD[2], 5);
    expect(db.normStats).toEqual({ mean: [...CIFAR10_MEAN], std: [...CIFAR10_STD] });
    const raw = await loadCifar10({ dir, bs: 4, normalize: false });
    expect(raw.normStats).toBeUndefined();
  });

  it('finds the files inside cifar-10-batches-bin/ and applies subset (first N per split)', async () => {
    const dir = newDir();
    const sub = join(dir, 'cifar-10-batches-bin');
    mkdirSync(sub);
    writeBins(sub, false);
    const db = await loadCifar10({ dir, subset: 4, bs: 8, normalize: false });
    expect(db.trainDs.length).toBe(4);
    expect(db.validDs.length).toBe(2);
    const [, y] = await firstBatch(db.validDl);
    expect(Array.from(y)).toEqual([9, 8]);
    // train order is file order: batch_1 labels 0,1,2 then batch_2's first label 1
    const ds = db.trainDs;
    const [xt, yt] = ds.getBatch(new Int32Array([0, 1, 2, 3]));
    expect(Array.from(yt.dataSync())).toEqual([0, 1, 2, 1]);
    tf.dispose([xt, yt]);
    expect(db.classes).toEqual(CIFAR10_CLASSES); // no meta file: the default names
  });

  it('augment: true wraps only the training set; batches keep their shape and free their temporaries', async () => {
    const dir = newDir();
    writeBins(dir);
    const db = await loadCifar10({ dir, bs: 5, augment: true, seed: 3 });
    expect(db.trainDs).toBeInstanceOf(TransformedDataset);
    expect(db.validDs).not.toBeInstanceOf(TransformedDataset);
    const before = tf.memory().numTensors;
    for (const [x, y] of db.trainDl) {
      expect(x.shape).toEqual([5, 32, 32, 3]);
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('errors on a bad .bin size, naming the file, size and remainder', async () => {
    const dir = newDir();
    writeBins(dir);
    writeFileSync(join(dir, 'data_batch_3.bin'), Buffer.concat([bin([1]), Buffer.alloc(10)]));
    await expect(loadCifar10({ dir })).rejects.toThrow(/data_batch_3\.bin: size 3083 bytes .* 1 whole records and 10 bytes left over/);
  });

  it('errors on missing files, listing them and saying how to get the data', async () => {
    const dir = newDir();
    writeBins(dir);
    rmSync(join(dir, 'test_batch.bin'));
    rmSync(join(dir, 'data_batch_5.bin'));
    await expect(loadCifar10({ dir })).rejects.toThrow(/missing .*data_batch_5\.bin, .*test_batch\.bin.*downloadCifar10.*cifar-10-binary\.tar\.gz/);
    const empty = newDir();
    await expect(loadCifar10({ dir: empty })).rejects.toThrow(/looked for .*data_batch_1.*cifar-10-batches-bin.*train.*<class>.*downloadCifar10.*https:\/\/www\.cs\.toronto\.edu/);
  });
});

describe('loadCifar10 from class folders', () => {
  const png = (r: number, g: number, b: number): Uint8Array => encodePng(new Uint8Array(32 * 32 * 3).map((_, i) => [r, g, b][i % 3]), 32, 32);

  it('reads train/<class>/*.png and test/<class>/*.png with CIFAR-10 class indices', async () => {
    const dir = newDir();
    for (const [split, cls, n] of [['train', 'cat', 2], ['train', 'ship', 1], ['test', 'truck', 1]] as const) {
      mkdirSync(join(dir, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(dir, split, cls, `${i}.png`), png(255, 0, i));
    }
    const db = await loadCifar10({ dir, bs: 8, normalize: false });
    expect(db.classes).toEqual(CIFAR10_CLASSES);
    expect(db.trainDs.length).toBe(3);
    const [x, y] = db.trainDs.getBatch(new Int32Array([0, 1, 2]));
    expect(Array.from(y.dataSync())).toEqual([3, 3, 8]);
    expect(Array.from(x.dataSync().subarray(0, 3))).toEqual([1, 0, 0]);
    tf.dispose([x, y]);
  });

  it('errors on a class folder not in the class list, naming the folder', async () => {
    const dir = newDir();
    for (const split of ['train', 'test']) {
      mkdirSync(join(dir, split, 'cat'), { recursive: true });
      writeFileSync(join(dir, split, 'cat', 'a.png'), png(1, 2, 3));
    }
    mkdirSync(join(dir, 'train', 'unicorn'));
    await expect(loadCifar10({ dir })).rejects.toThrow(/train\/unicorn is not a known class; the class list is \[airplane, automobile/);
  });

  it('errors on a missing test/ folder', async () => {
    const dir = newDir();
    mkdirSync(join(dir, 'train', 'cat'), { recursive: true });
    await expect(loadCifar10({ dir })).rejects.toThrow(/missing .*test\/.*downloadCifar10/);
  });
});

describe('downloadCifar10 (no network)', () => {
  const files = (): { name: string; data: Uint8Array }[] => [
    ...CIFAR10_TRAIN_FILES.map((f, k) => ({ name: `cifar-10-batches-bin/${f}`, data: bin([k]) })),
    { name: 'cifar-10-batches-bin/test_batch.bin', data: bin([7]) },
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from(CIFAR10_CLASSES.join('\n')) },
  ];

  it('downloads once, verifies the MD5, unpacks; a second call fetches nothing', async () => {
    const dir = newDir();
    const gz = gzipSync(writeTar(files()));
    const md5 = createHash('md5').update(gz).digest('hex');
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return { ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.byteLength) };
    };
    const where = await downloadCifar10(dir, { fetch, md5, url: 'http://test.invalid/c.tgz' });
    expect(where).toBe(join(dir, 'cifar-10-batches-bin'));
    expect(readdirSync(where).sort()).toEqual(['batches.meta.txt', ...CIFAR10_TRAIN_FILES, 'test_batch.bin'].sort());
    expect(statSync(join(where, 'test_batch.bin')).size).toBe(3073);
    expect(await downloadCifar10(dir, { fetch, md5 })).toBe(where);
    expect(calls).toBe(1);
    const db = await loadCifar10({ dir });
    expect(db.trainDs.length).toBe(5);
  });

  it('refuses an archive whose MD5 differs', async () => {
    const gz = gzipSync(writeTar(files()));
    const fetch: FetchLike = async () => ({ ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => new Uint8Array(gz).buffer });
    await expect(downloadCifar10(newDir(), { fetch })).rejects.toThrow(/has MD5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/);
  });

  it('uses an archive already placed in dir without fetching', async () => {
    const dir = newDir();
    const gz = gzipSync(writeTar(files()));
    writeFileSync(join(dir, 'cifar-10-binary.tar.gz'), gz);
    const fetch: FetchLike = async () => {
      throw new Error('must not fetch');
    };
    await downloadCifar10(dir, { fetch, md5: null });
    expect((await loadCifar10({ dir })).validDs.length).toBe(1);
  });

  it('offline: fails saying where to put the files', async () => {
    const dir = newDir();
    const fetch: FetchLike = async () => {
      throw new TypeError('fetch failed (ENOTFOUND)');
    };
    await expect(downloadCifar10(dir, { fetch })).rejects.toThrow(
      new RegExp(`cannot download .*ENOTFOUND.*put it in ${dir}.*cifar-10-batches-bin/data_batch_1\\.bin`),
    );
  });
});
