/**
 * `ImageDataBunch` from image files of mixed sizes and formats: fastai's labelling (folder, name
 * function, regular expression, CSV) and splitting; every label checked against the colour of its
 * image; batches identical whatever the number of decoding workers and after a mid-epoch resume;
 * no tensor left behind; corrupt files named or skipped and counted; symbolic links followed;
 * duplicate classes refused.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { setSeed } from '../../src/core/rng.js';
import { augTransforms } from '../../src/data/batch-augment.js';
import type { DataLoader } from '../../src/data/data-loader.js';
import { ImageDataBunch } from '../../src/data/image-data-bunch.js';
import type { ImageDataset } from '../../src/data/image-dataset.js';
import { imageFolder } from '../../src/data/image-folder.js';
import { FlipItem, RandomResizedCrop, Resize } from '../../src/data/item-transforms.js';
import { showBatch } from '../../src/data/show-batch.js';
import { jpg, png, rgbImage, webp } from '../helpers/images.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const newDir = tempDirs('tfai-imgbunch-');
const bunches: ImageDataBunch[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => bunches.forEach((b) => b.dispose()));
const keep = (b: ImageDataBunch): ImageDataBunch => (bunches.push(b), b);

const COLOURS: Record<string, [number, number, number]> = { cat: [220, 40, 40], dog: [40, 40, 220], eel: [40, 200, 40] };

function write(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** An image of a class: its colour with a little texture, of a size that varies with `i`, in a format that cycles. */
async function classImage(cls: string, i: number): Promise<{ bytes: Uint8Array; ext: string }> {
  const w = 20 + ((i * 7) % 30);
  const h = 18 + ((i * 11) % 25);
  const [r, g, b] = COLOURS[cls];
  const rgb = rgbImage(w, h, (x, y) => [r + ((x + y) % 5), g, b - ((x * y) % 7)]);
  const kind = i % 3;
  return kind === 0 ? { bytes: jpg(rgb, w, h, 90), ext: '.jpg' } : kind === 1 ? { bytes: png(rgb, w, h), ext: '.png' } : { bytes: await webp(rgb, w, h), ext: '.webp' };
}

/** `dir/<split>/<class>/<i>.<ext>` for each split and class. */
async function makeFolder(dir: string, counts: Record<string, Record<string, number>>): Promise<void> {
  for (const [split, per] of Object.entries(counts)) {
    for (const [cls, n] of Object.entries(per)) {
      for (let i = 0; i < n; i++) {
        const { bytes, ext } = await classImage(cls, i);
        write(join(dir, split, cls, `${cls}_${i}${ext}`), bytes);
      }
    }
  }
}

/** Every batch of an epoch as host arrays. */
async function epoch(dl: DataLoader): Promise<{ x: Float32Array; y: Int32Array; shape: number[] }[]> {
  const out = [];
  for await (const [x, y] of dl) {
    out.push({ x: (await x.data()) as Float32Array, y: (await y.data()) as Int32Array, shape: x.shape });
    tf.dispose([x, y]);
  }
  return out;
}

/** Whether each item's colour says its label (mean of each channel). */
function labelsMatchColours(b: { x: Float32Array; y: Int32Array; shape: number[] }, classes: readonly string[]): boolean {
  const [n, h, w, c] = b.shape;
  for (let i = 0; i < n; i++) {
    const sum = [0, 0, 0];
    for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) sum[k] += b.x[(i * h * w + p) * c + k];
    const top = sum.indexOf(Math.max(...sum));
    if (COLOURS[classes[b.y[i]]].indexOf(Math.max(...COLOURS[classes[b.y[i]]])) !== top) return false;
  }
  return true;
}

describe('ImageDataBunch.fromFolder', () => {
  it('reads train/ and valid/ class folders of mixed sizes and formats; labels match the images', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 9, dog: 8, eel: 7 }, valid: { cat: 3, dog: 3, eel: 2 } });
    const data = keep(await ImageDataBunch.fromFolder(dir, { size: 16, bs: 8, workers: 2 }));
    expect(data.classes).toEqual(['cat', 'dog', 'eel']);
    expect([data.c, data.cIn, data.trainDs.length, data.validDs.length]).toEqual([3, 3, 24, 8]);
    expect(data.trainDs.itemShape).toEqual([16, 16, 3]);
    const train = await epoch(data.trainDl);
    expect(train.map((b) => b.shape[0])).toEqual([8, 8, 8]);
    expect(train.every((b) => labelsMatchColours(b, data.classes))).toBe(true);
    const valid = await epoch(data.validDl);
    expect(valid.map((b) => b.shape)).toEqual([[8, 16, 16, 3]]);
    expect(labelsMatchColours(valid[0], data.classes)).toBe(true);
    expect(Array.from(valid[0].y)).toEqual([0, 0, 0, 1, 1, 1, 2, 2]);
  });

  it('validPct: every image under the folder, split at random with the seed', async () => {
    const dir = newDir();
    await makeFolder(dir, { '.': { cat: 10, dog: 10 } });
    const a = keep(await ImageDataBunch.fromFolder(dir, { validPct: 0.25, seed: 3, size: 8, workers: 0 }));
    const b = keep(await ImageDataBunch.fromFolder(dir, { validPct: 0.25, seed: 3, size: 8, workers: 0 }));
    expect([a.trainDs.length, a.validDs.length]).toEqual([15, 5]);
    expect((a.validDs as ImageDataset).sources).toEqual((b.validDs as ImageDataset).sources);
    await expect(ImageDataBunch.fromFolder(dir, { size: 8 })).rejects.toThrow(/cannot read folder .*train.*without validPct, .* must hold a 'train' and a 'valid' folder; give validPct/);
  });

  it('batches are the same whatever the number of workers, and for a resumed loader', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 12, dog: 11 }, valid: { cat: 2, dog: 2 } });
    const opts = { bs: 5, itemTfms: [new RandomResizedCrop(12), new FlipItem()], batchTfms: augTransforms() };
    const run = async (workers: number): Promise<Float32Array[]> => {
      setSeed(7);
      const data = keep(await ImageDataBunch.fromFolder(dir, { ...opts, workers }));
      return (await epoch(data.trainDl)).map((b) => b.x);
    };
    const inline = await run(0);
    const pooled = await run(2);
    expect(pooled).toEqual(inline);

    setSeed(9);
    const data = keep(await ImageDataBunch.fromFolder(dir, { bs: 5, itemTfms: opts.itemTfms, workers: 1 }));
    const full: Float32Array[] = [];
    let state;
    let i = 0;
    for await (const [x, y] of data.trainDl) {
      full.push((await x.data()) as Float32Array);
      tf.dispose([x, y]);
      if (++i === 2) state = data.trainDl.getState({ withOrder: true });
    }
    const again = keep(await ImageDataBunch.fromFolder(dir, { bs: 5, itemTfms: opts.itemTfms, workers: 2 }));
    again.trainDl.setState(state!, { resumeAt: 2 });
    expect((await epoch(again.trainDl)).map((b) => b.x)).toEqual(full.slice(2));
  });

  it('leaves no tensor behind from epoch to epoch, also when a loop stops early', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 10, dog: 10 }, valid: { cat: 2, dog: 2 } });
    const data = keep(await ImageDataBunch.fromFolder(dir, { size: 8, bs: 4, workers: 2, batchTfms: augTransforms() }));
    await epoch(data.trainDl);
    const before = tf.memory().numTensors;
    await epoch(data.trainDl);
    for await (const [x, y] of data.trainDl) {
      tf.dispose([x, y]);
      break;
    }
    await epoch(data.validDl);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a corrupt image: an error naming it, or skipped and counted with onError: skip', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 4, dog: 4 }, valid: { cat: 1, dog: 1 } });
    write(join(dir, 'train', 'dog', 'broken.jpg'), jpg(rgbImage(30, 30, () => [1, 2, 3]), 30, 30).subarray(0, 200));
    const raise = keep(await ImageDataBunch.fromFolder(dir, { size: 8, bs: 16, workers: 1 }));
    await expect(epoch(raise.trainDl)).rejects.toThrow(/train\/dog\/broken\.jpg: cannot decode the JPEG image: /);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const skip = keep(await ImageDataBunch.fromFolder(dir, { size: 8, bs: 16, workers: 1, onError: 'skip' }));
      const batches = await epoch(skip.trainDl);
      expect(batches[0].shape[0]).toBe(8);
      const ds = skip.trainDs as ImageDataset;
      expect(ds.skipped.count).toBe(1);
      expect(ds.skipped.first[0].source).toMatch(/broken\.jpg$/);
      expect(warn.mock.calls[0][0]).toMatch(/skipped an image \(onError: 'skip'\): .*broken\.jpg/);
    } finally {
      warn.mockRestore();
    }
  });

  it('follows symbolic links to class folders and images; a broken link is an error naming it', async () => {
    const store = newDir();
    await makeFolder(store, { elsewhere: { cat: 3, dog: 3 } });
    const dir = newDir();
    await makeFolder(dir, { train: { eel: 2 }, valid: { eel: 1, cat: 1 } });
    symlinkSync(join(store, 'elsewhere', 'cat'), join(dir, 'train', 'cat'));
    mkdirSync(join(dir, 'train', 'dog'));
    for (let i = 0; i < 3; i++) symlinkSync(join(store, 'elsewhere', 'dog', `dog_${i}${['.jpg', '.png', '.webp'][i]}`), join(dir, 'train', 'dog', `d${i}${['.jpg', '.png', '.webp'][i]}`));
    symlinkSync(join(dir, 'train'), join(dir, 'train', 'eel', 'loop')); // a cycle: not entered again
    const data = keep(await ImageDataBunch.fromFolder(dir, { size: 8, workers: 0 }));
    expect(data.classes).toEqual(['cat', 'dog', 'eel']);
    expect(data.trainDs.length).toBe(8);
    symlinkSync(join(store, 'gone'), join(dir, 'train', 'bird'));
    await expect(ImageDataBunch.fromFolder(dir, { size: 8 })).rejects.toThrow(/train\/bird is a symbolic link that cannot be followed: no such file or folder/);

    // the in-memory imageFolder (same-size images) follows them too
    const same = newDir();
    for (const cls of ['cat', 'dog']) for (let i = 0; i < 2; i++) write(join(store, 'same', cls, `${i}.png`), png(rgbImage(6, 6, () => COLOURS[cls]), 6, 6));
    mkdirSync(join(same, 'eel'));
    write(join(same, 'eel', '0.png'), png(rgbImage(6, 6, () => COLOURS.eel), 6, 6));
    symlinkSync(join(store, 'same', 'cat'), join(same, 'cat'));
    symlinkSync(join(store, 'same', 'dog'), join(same, 'dog'));
    const folder = await imageFolder(same);
    expect(folder.classes).toEqual(['cat', 'dog', 'eel']);
    expect(Array.from(folder.labels)).toEqual([0, 0, 1, 1, 2]);
    symlinkSync(join(store, 'gone'), join(same, 'bird'));
    await expect(imageFolder(same)).rejects.toThrow(/bird is a symbolic link that cannot be followed/);
  });

  it('refuses a class list that names a class twice', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 2, dog: 2 }, valid: { cat: 1, dog: 1 } });
    await expect(ImageDataBunch.fromFolder(dir, { size: 8, classes: ['cat', 'cat', 'dog'] })).rejects.toThrow(/classes has 'cat' twice \(at 0 and 1\)/);
    await expect(imageFolder(join(dir, 'train'), { classes: ['cat', 'dog', 'cat'] })).rejects.toThrow(/imageFolder: classes has 'cat' twice \(at 0 and 2\)/);
    await expect(ImageDataBunch.fromFolder(dir, { size: 8, classes: ['dog'] })).rejects.toThrow(/cat_0\.jpg has label 'cat', which is not a class: the class list is \[dog\]/);
  });

  it('needs a size', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 1 }, valid: { cat: 1 } });
    await expect(ImageDataBunch.fromFolder(dir)).rejects.toThrow(/give size \(or a Resize \/ RandomResizedCrop in itemTfms\)/);
  });

  it('showBatch draws the augmented training batch with class names', async () => {
    const dir = newDir();
    await makeFolder(dir, { train: { cat: 6, dog: 6, eel: 6 }, valid: { cat: 1, dog: 1 } });
    const data = keep(await ImageDataBunch.fromFolder(dir, { size: 32, bs: 9, batchTfms: augTransforms({ maxRotate: 30 }), workers: 1 }));
    const out = join(newDir(), 'batch.png');
    const r = await showBatch(data, out, { n: 9 });
    expect(r.n).toBe(9);
  });
});

describe('ImageDataBunch.fromLists', () => {
  it('takes paths, file: URLs, Blobs and bytes, decoded in worker threads', async () => {
    const dir = newDir();
    await makeFolder(dir, { x: { cat: 2, dog: 2 } });
    const cat0 = join(dir, 'x', 'cat', 'cat_0.jpg');
    const dog = await classImage('dog', 1);
    const train = [cat0, pathToFileURL(join(dir, 'x', 'cat', 'cat_1.png')), new Blob([new Uint8Array(dog.bytes)]), (await classImage('dog', 0)).bytes];
    const data = keep(ImageDataBunch.fromLists(train, [0, 0, 1, 1], [cat0], [0], ['cat', 'dog'], { size: 8, bs: 4, workers: 1 }));
    const [b] = await epoch(data.trainDl);
    expect(b.shape).toEqual([4, 8, 8, 3]);
    expect(labelsMatchColours(b, data.classes)).toBe(true);
    expect(() => ImageDataBunch.fromLists(train, [0, 0, 1, 2], [cat0], [0], ['cat', 'dog'], { size: 8 })).toThrow(/training label 2 \(item 3\) is not a class index in \[0, 2\)/);
    expect(() => ImageDataBunch.fromLists(train, [0, 0, 1, 1], [], [], ['cat', 'dog'], { size: 8 })).toThrow(/no validation images/);
  });
});

describe('ImageDataBunch.fromFiles', () => {
  it("a page's files (File objects with their folder paths): labels from the parent folders, train/ and valid/ folders kept apart", async () => {
    const files: { file: Blob; path: string }[] = [];
    for (const [split, n] of [['train', 3], ['valid', 1]] as const) {
      for (const cls of ['dog', 'cat']) {
        for (let i = 0; i < n; i++) {
          const { bytes, ext } = await classImage(cls, i);
          files.push({ file: new Blob([new Uint8Array(bytes)]), path: `pets/${split}/${cls}/${cls}_${i}${ext}` });
        }
      }
    }
    files.push({ file: new Blob(['x']), path: 'pets/README.txt' }, { file: new Blob(['x']), path: 'pets/test/cat/cat_9.png' });
    const data = keep(ImageDataBunch.fromFiles(files, { size: 8, bs: 2, workers: 1 }));
    expect(data.classes).toEqual(['cat', 'dog']);
    expect([data.trainDl.nItems, data.validDl.nItems]).toEqual([6, 2]);
    const batches = await epoch(data.validDl);
    expect(batches.map((b) => Array.from(b.y))).toEqual([[0, 1]]);
    expect(labelsMatchColours(batches[0], data.classes)).toBe(true);
    // a File straight from an <input>: its webkitRelativePath, else its name (then in no folder)
    const loose = new File([new Uint8Array((await classImage('cat', 0)).bytes)], 'cat_0.jpg');
    expect(() => ImageDataBunch.fromFiles([loose], { size: 8 })).toThrow(/ImageDataBunch\.fromFiles: cat_0\.jpg is in no class folder/);
    expect(() => ImageDataBunch.fromFiles([{ file: new Blob(['x']), path: 'a/notes.txt' }], { size: 8 })).toThrow(/none of the 1 files is a \.jpg, \.jpeg, \.png or \.webp image/);
  });
});

describe('labelling by name and by CSV', () => {
  it('fromNameRe: labels from the file name (the pets layout), split at random', async () => {
    const dir = newDir();
    await makeFolder(dir, { '.': { cat: 6, dog: 6 } });
    const data = keep(await ImageDataBunch.fromNameRe(join(dir, 'cat'), /^(\w+)_\d+\./, { size: 8, validPct: 0.5, seed: 1, workers: 0 }));
    expect(data.classes).toEqual(['cat']);
    const both = keep(await ImageDataBunch.fromNameRe(dir, /^(\w+)_\d+\./, { size: 8, validPct: 0.25, seed: 1, workers: 0 }));
    expect(both.classes).toEqual(['cat', 'dog']);
    expect((await epoch(both.trainDl)).every((b) => labelsMatchColours(b, both.classes))).toBe(true);
    await expect(ImageDataBunch.fromNameRe(dir, /^x(\d+)$/, { size: 8 })).rejects.toThrow(/the pattern \/\^x\(\\d\+\)\$\/ does not match the file name 'cat_0\.jpg'/);
  });

  it('fromNameFunc: labels from a function of the name', async () => {
    const dir = newDir();
    await makeFolder(dir, { '.': { cat: 4, dog: 4 } });
    const data = keep(await ImageDataBunch.fromNameFunc(dir, (name) => (name.startsWith('cat') ? 'feline' : 'canine'), { size: 8, validPct: 0.25, seed: 2, workers: 0 }));
    expect(data.classes).toEqual(['canine', 'feline']);
  });

  it('fromCsv: file and label columns, an is-valid column, quoted fields', async () => {
    const dir = newDir();
    await makeFolder(dir, { images: { cat: 3, dog: 3 } });
    const rows = ['name,label,is_valid', 'cat/cat_0,cat,False', '"cat/cat_1",cat,False', 'cat/cat_2,"cat",True', 'dog/dog_0,dog,false', 'dog/dog_1,dog,0', 'dog/dog_2,dog,1'];
    // the images have mixed extensions: name them through a CSV with the extension per row
    const ext = (name: string): string => ['.jpg', '.png', '.webp'][Number(name.at(-1))];
    writeFileSync(join(dir, 'labels.csv'), rows.map((r, i) => (i === 0 ? r : r.replace(/^("?)([a-z]+\/[a-z]+_\d)("?)/, (_, q1, n, q2) => `${q1}${n}${ext(n)}${q2}`))).join('\r\n') + '\r\n');
    const data = keep(await ImageDataBunch.fromCsv(dir, 'labels.csv', { folder: 'images', validCol: 'is_valid', size: 8, workers: 0 }));
    expect(data.classes).toEqual(['cat', 'dog']);
    expect([data.trainDs.length, data.validDs.length]).toEqual([4, 2]);
    expect((await epoch(data.validDl)).every((b) => labelsMatchColours(b, data.classes))).toBe(true);
    await expect(ImageDataBunch.fromCsv(dir, 'labels.csv', { labelCol: 'kind', size: 8 })).rejects.toThrow(/labels\.csv has no column 'kind' \(labelCol\); its columns are name, label, is_valid/);
    await expect(ImageDataBunch.fromCsv(dir, 'nope.csv', { size: 8 })).rejects.toThrow(/cannot read .*nope\.csv: no such file/);
  });
});
