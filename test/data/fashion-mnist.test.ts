/**
 * loadFashionMnist / downloadFashionMnist on small generated sets in the official IDX format:
 * finding the files, normalisation, subsets, the shift augmentation, downloads (stubbed fetch,
 * checksums, idempotence) and the messages when the data is absent or malformed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { setSeed } from '../../src/core/rng.js';
import {
  downloadFashionMnist,
  encodeIdx,
  findFashionMnist,
  loadFashionMnist,
  loadFashionMnistArrays,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_MD5,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  FASHION_MNIST_URL,
  MNIST_FILES,
  type FetchLike,
} from '../../src/data/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const newDir = tempDirs('tfai-fashion-');

/** Image `i` of a split: a bright 12×12 square whose corner depends on `i`, on a black background. */
function image(i: number): Uint8Array {
  const img = new Uint8Array(784);
  const top = 4 + (i % 5);
  const left = 4 + ((i * 3) % 7);
  for (let r = top; r < top + 12; r++) img.fill(200 + (i % 50), r * 28 + left, r * 28 + left + 12);
  return img;
}

type Split = { images: Uint8Array; labels: Uint8Array };
function split(n: number, offset: number): Split {
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) images.set(image(i + offset), i * 784);
  const labels = Uint8Array.from({ length: n }, (_, i) => (i + offset) % 10);
  return { images, labels };
}

/** The four files' bytes (`.gz` names), n train / m test images. */
function files(n = 30, m = 20): Record<string, Uint8Array> {
  const tr = split(n, 0);
  const te = split(m, 1000);
  return {
    [`${MNIST_FILES.trainImages}.gz`]: gzipSync(encodeIdx(tr.images, [n, 28, 28])),
    [`${MNIST_FILES.trainLabels}.gz`]: gzipSync(encodeIdx(tr.labels, [n])),
    [`${MNIST_FILES.validImages}.gz`]: gzipSync(encodeIdx(te.images, [m, 28, 28])),
    [`${MNIST_FILES.validLabels}.gz`]: gzipSync(encodeIdx(te.labels, [m])),
  };
}

function writeSet(dir: string, f: Record<string, Uint8Array> = files()): string {
  for (const [name, bytes] of Object.entries(f)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** A fetch that serves `served` by file name and records the URLs asked for. */
function stubFetch(served: Record<string, Uint8Array>, urls: string[] = []): FetchLike {
  return async (url) => {
    urls.push(url);
    const name = url.slice(url.lastIndexOf('/') + 1);
    const bytes = served[name];
    return {
      ok: bytes !== undefined,
      status: bytes ? 200 : 404,
      statusText: bytes ? 'OK' : 'Not Found',
      arrayBuffer: async () => (bytes ? new Uint8Array(bytes).buffer : new ArrayBuffer(0)),
    };
  };
}

describe('loadFashionMnist on the official file layout', () => {
  it('is an ImageDataBunch of 28×28×1 images with the garment names, normalised with the training statistics', async () => {
    const dir = writeSet(newDir());
    const data = await loadFashionMnist({ dir, bs: 8 });
    try {
      expect(data.classes).toEqual(FASHION_MNIST_CLASSES);
      expect(data.classes[0]).toBe('T-shirt/top');
      expect(data.classes[9]).toBe('Ankle boot');
      expect([data.c, data.cIn]).toEqual([10, 1]);
      expect(data.normStats).toEqual({ mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD }); // showBatch de-normalises with them
      expect([data.trainDl.nItems, data.validDl.nItems]).toEqual([30, 20]);
      expect([data.trainDl.bs, data.validDl.bs]).toEqual([8, 16]);
      expect(data.trainDl.shuffle).toBe(true);
      expect(data.validDl.shuffle).toBe(false);
      const [x, y] = data.validDs.getBatch(Int32Array.from([0, 1, 2]));
      expect(x.shape).toEqual([3, 28, 28, 1]);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.dataSync())).toEqual([0, 1, 2]);
      const px = x.dataSync();
      const want = split(3, 1000).images;
      for (const k of [0, 5 * 28 + 5, 784 + 10 * 28 + 8, 2 * 784 + 783]) {
        expect(px[k]).toBeCloseTo((want[k] / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD, 5);
      }
      tf.dispose([x, y]);
    } finally {
      data.dispose();
    }
  });

  it('reads plain (uncompressed) files too, and normalize: false leaves [0, 1]', async () => {
    const dir = newDir();
    const f = files(12, 10);
    const { gunzipSync } = await import('node:zlib');
    for (const [name, bytes] of Object.entries(f)) writeFileSync(join(dir, name.replace(/\.gz$/, '')), gunzipSync(bytes));
    const data = await loadFashionMnist({ dir, bs: 4, normalize: false });
    expect(data.normStats).toBeUndefined();
    const [x] = data.trainDs.getBatch(Int32Array.from([0]));
    const v = x.dataSync();
    expect(Math.min(...v)).toBe(0);
    expect(Math.max(...v)).toBeCloseTo(200 / 255, 6);
    x.dispose();
    data.dispose();
  });

  it('subset keeps the first N images of each split', async () => {
    const dir = writeSet(newDir());
    const arr = await loadFashionMnistArrays({ dir, subset: 7 });
    expect(arr.train.labels.length).toBe(7);
    expect(arr.test.labels.length).toBe(7);
    expect(Array.from(arr.test.labels)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(arr.train.images.length).toBe(7 * 784);
    expect(Array.from(arr.train.images.subarray(784, 1568))).toEqual(Array.from(image(1)));
    expect(arr.dir).toBe(dir);
    await expect(loadFashionMnistArrays({ dir, subset: 0 })).rejects.toThrow(/subset must be an integer >= 1/);
  });

  it('augment: true shifts each training image by at most 2 pixels, filling with the black background; validation is untouched', async () => {
    const dir = writeSet(newDir());
    setSeed(5);
    const data = await loadFashionMnist({ dir, bs: 30, augment: true, normalize: false });
    const idx = Int32Array.from({ length: 30 }, (_, i) => i);
    const [x, y] = data.trainDs.getBatch(idx);
    const got = x.dataSync();
    const shifts = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const src = image(i);
      let match: string | undefined;
      for (let dy = -2; dy <= 2 && !match; dy++) {
        for (let dx = -2; dx <= 2 && !match; dx++) {
          let ok = true;
          for (let r = 0; r < 28 && ok; r++) {
            for (let c = 0; c < 28 && ok; c++) {
              const sr = r + dy, sc = c + dx;
              const want = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? src[sr * 28 + sc] / 255 : 0;
              ok = Math.abs(got[i * 784 + r * 28 + c] - want) < 1e-6;
            }
          }
          if (ok) match = `${dy},${dx}`;
        }
      }
      expect(match, `image ${i} is not a shift of at most 2 pixels of its source`).toBeDefined();
      shifts.add(match!);
    }
    expect(shifts.size).toBeGreaterThan(5);
    const [xv] = data.validDs.getBatch(Int32Array.from([0]));
    expect(Array.from(xv.dataSync(), (v) => Math.round(v * 255))).toEqual(Array.from(image(1000)));
    tf.dispose([x, y, xv]);
    data.dispose();
  });

  it('pads with the normalised background value (not 0) when normalising', async () => {
    const dir = newDir();
    // all-white images: any pixel brought in by the shift is background
    const white = new Uint8Array(20 * 784).fill(255);
    writeSet(dir, {
      ...files(20, 10),
      [`${MNIST_FILES.trainImages}.gz`]: gzipSync(encodeIdx(white, [20, 28, 28])),
    });
    setSeed(1);
    const data = await loadFashionMnist({ dir, bs: 20, augment: true });
    const [x, y] = data.trainDs.getBatch(Int32Array.from({ length: 20 }, (_, i) => i));
    const vals = new Set(Array.from(x.dataSync(), (v) => v.toFixed(4)));
    expect(vals).toEqual(new Set([((1 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD).toFixed(4), (-FASHION_MNIST_MEAN / FASHION_MNIST_STD).toFixed(4)]));
    tf.dispose([x, y]);
    data.dispose();
  });

  it('augmentation is reproducible with setSeed', async () => {
    const dir = writeSet(newDir());
    const take = async (): Promise<number[]> => {
      setSeed(9);
      const data = await loadFashionMnist({ dir, bs: 30, augment: true });
      const [x, y] = data.trainDs.getBatch(Int32Array.from({ length: 30 }, (_, i) => i));
      const v = Array.from(x.dataSync());
      tf.dispose([x, y]);
      data.dispose();
      return v;
    };
    expect(await take()).toEqual(await take());
  });

  it('rejects malformed files, naming them', async () => {
    const mk = (patch: Record<string, Uint8Array>): string => writeSet(newDir(), { ...files(10, 10), ...patch });
    const d1 = mk({ [`${MNIST_FILES.trainLabels}.gz`]: gzipSync(encodeIdx(new Uint8Array(9), [9])) });
    await expect(loadFashionMnist({ dir: d1 })).rejects.toThrow(/train-images-idx3-ubyte\.gz has 10 images but .*train-labels-idx1-ubyte\.gz has 9 labels/);
    const d2 = mk({ [`${MNIST_FILES.validImages}.gz`]: gzipSync(encodeIdx(new Uint8Array(10 * 32 * 32), [10, 32, 32])) });
    await expect(loadFashionMnist({ dir: d2 })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz: expected 28×28 images .*shape \[10, 32, 32\]/);
    const bad = new Uint8Array(10);
    bad[4] = 10;
    const d3 = mk({ [`${MNIST_FILES.validLabels}.gz`]: gzipSync(encodeIdx(bad, [10])) });
    await expect(loadFashionMnist({ dir: d3 })).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: label 10 at index 4 is out of range/);
    await expect(loadFashionMnist({ dir: writeSet(newDir()), bs: 0 })).rejects.toThrow(/bs must be an integer >= 1/);
  });
});

describe('when the data is absent', () => {
  it('with downloading off: says how to install the Debian package, download, or copy the files', async () => {
    const dir = newDir();
    const err = await loadFashionMnist({ dir, download: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`no Fashion-MNIST files in ${dir}`);
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('/usr/share/datasets/fashion-mnist');
    expect(msg).toContain(`downloadFashionMnist(${JSON.stringify(dir)})`);
    expect(msg).toContain(FASHION_MNIST_URL);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('2 of the 4 files: names the ones found and the ones missing', async () => {
    const all = files(10, 10);
    const dir = writeSet(newDir(), { [`${MNIST_FILES.trainImages}.gz`]: all[`${MNIST_FILES.trainImages}.gz`], [`${MNIST_FILES.validLabels}.gz`]: all[`${MNIST_FILES.validLabels}.gz`] });
    const msg = ((await loadFashionMnist({ dir, download: false }).catch((e: Error) => e)) as Error).message;
    expect(msg).toContain(
      `loadFashionMnist: ${dir} has 2 of the 4 Fashion-MNIST files (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); missing: train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz)`,
    );
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
  });

  it('dir pointing at a file: says so, and downloads nothing', async () => {
    const file = join(newDir(), 'train-images-idx3-ubyte.gz');
    writeFileSync(file, files(10, 10)[`${MNIST_FILES.trainImages}.gz`]);
    const urls: string[] = [];
    const msg = ((await loadFashionMnist({ dir: file, fetch: stubFetch({}, urls) }).catch((e: Error) => e)) as Error).message;
    expect(msg).toContain(`loadFashionMnist: dir '${file}' is a file, not a folder: give the folder that holds the four Fashion-MNIST files`);
    expect(urls).toEqual([]);
  });

  it('a dir that does not exist, downloading off: says it does not exist', async () => {
    const dir = join(newDir(), 'nope');
    await expect(loadFashionMnist({ dir, download: false })).rejects.toThrow(`loadFashionMnist: ${dir} does not exist (downloading is off)`);
  });

  it('without a network: tries the download, then says why it failed and how else to get the data', async () => {
    const dir = join(newDir(), 'fm');
    const offline: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    const err = (await loadFashionMnist({ dir, fetch: offline }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/.*fm does not exist, and downloading failed: downloadFashionMnist: cannot download http:.*train-images-idx3-ubyte\.gz: fetch failed/);
    expect(err.message).toContain('apt-get install dataset-fashion-mnist');
    expect(existsSync(dir), 'a failed download leaves no folder behind').toBe(false);
  });

  it('downloads into dir when files are missing, then loads them', async () => {
    const dir = join(newDir(), 'dl');
    const f = files(10, 10);
    const urls: string[] = [];
    const sums = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, md5(v)]));
    // loadFashionMnist uses the official checksums, so serve through downloadFashionMnist first with ours
    await downloadFashionMnist(dir, { fetch: stubFetch(f, urls), md5: sums });
    const data = await loadFashionMnist({ dir, bs: 5, fetch: stubFetch({}, urls) });
    expect(data.trainDl.nItems).toBe(10);
    expect(urls).toHaveLength(4);
    data.dispose();
  });
});

describe('downloadFashionMnist', () => {
  it('fetches the four official .gz files, checks their MD5, writes them atomically, and is idempotent', async () => {
    const dir = join(newDir(), 'a');
    const f = files(10, 10);
    const sums = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, md5(v)]));
    const urls: string[] = [];
    const logs: string[] = [];
    const paths = await downloadFashionMnist(dir, { fetch: stubFetch(f, urls), md5: sums, log: (m) => logs.push(m) });
    expect(urls.sort()).toEqual(Object.keys(f).map((n) => `${FASHION_MNIST_URL}${n}`).sort());
    expect(readdirSync(dir).sort()).toEqual(Object.keys(f).sort());
    expect(paths.trainImages).toBe(join(dir, `${MNIST_FILES.trainImages}.gz`));
    expect(logs.some((l) => l.includes('downloading'))).toBe(true);
    await downloadFashionMnist(dir, { fetch: stubFetch(f, urls), md5: sums });
    expect(urls).toHaveLength(4);
    expect(await findFashionMnist(dir)).toEqual(paths);
  });

  it('fetches only the missing files', async () => {
    const dir = newDir();
    const f = files(10, 10);
    const name = `${MNIST_FILES.validLabels}.gz`;
    writeSet(dir, Object.fromEntries(Object.entries(f).filter(([k]) => k !== name)));
    const urls: string[] = [];
    await downloadFashionMnist(dir, { fetch: stubFetch(f, urls), md5: { [name]: md5(f[name]) } });
    expect(urls).toEqual([`${FASHION_MNIST_URL}${name}`]);
  });

  it('checks the published checksums by default and writes nothing on a mismatch', async () => {
    const dir = newDir();
    const f = files(10, 10);
    const err = (await downloadFashionMnist(dir, { fetch: stubFetch(f) }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/has MD5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d/);
    expect(FASHION_MNIST_MD5['train-images-idx3-ubyte.gz']).toBe('8d4fb7e6c68d591d4c3dfef9ec88bf0d');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports an HTTP error with the URL', async () => {
    const dir = newDir();
    const err = (await downloadFashionMnist(dir, { fetch: stubFetch({}), url: 'http://mirror.example/fm/' }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('cannot download http://mirror.example/fm/train-images-idx3-ubyte.gz: HTTP 404 Not Found');
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false);
  });
});
