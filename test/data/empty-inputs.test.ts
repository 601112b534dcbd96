/**
 * Empty inputs are refused naming the file or folder, never silently dropped: a 0-byte CIFAR-10
 * `.bin` (0 is a multiple of 3,073, so it used to pass as "no records"), and an empty class folder
 * in `imageFolder` (it used to count as a class with no images).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { CIFAR10_TRAIN_FILES, loadCifar10, parseCifarBin } from '../../src/data/cifar10.js';
import { encodePng } from '../../src/data/image-decode.js';
import { imageFolder } from '../../src/data/image-folder.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = mkdtempSync(join(tmpdir(), 'tfai-empty-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => {
  const d = join(tmp, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
};

/** `k` records of the binary release with label `label`. */
const bin = (k: number, label = 1): Buffer => Buffer.concat(Array.from({ length: k }, () => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, 9)])));

function writeBins(dir: string): void {
  for (const f of CIFAR10_TRAIN_FILES) writeFileSync(join(dir, f), bin(2));
  writeFileSync(join(dir, 'test_batch.bin'), bin(1));
}

describe('CIFAR-10: a 0-byte .bin', () => {
  it('is refused by parseCifarBin, naming it', () => {
    expect(() => parseCifarBin(new Uint8Array(0), 'data/data_batch_2.bin')).toThrow(/data\/data_batch_2\.bin: the file is empty \(0 bytes\); every CIFAR-10 \.bin file holds at least one 3073-byte record/);
  });

  for (const file of ['data_batch_1.bin', 'data_batch_4.bin', 'test_batch.bin']) {
    it(`${file} empty: loadCifar10 fails naming it (also when subset would stop before it)`, async () => {
      const dir = newDir();
      writeBins(dir);
      writeFileSync(join(dir, file), new Uint8Array(0));
      const where = new RegExp(`${join(dir, file).replace(/[.]/g, '\\.')}: the file is empty \\(0 bytes\\)`);
      await expect(loadCifar10({ dir })).rejects.toThrow(where);
      await expect(loadCifar10({ dir, subset: 1 })).rejects.toThrow(where);
    });
  }

  it('the same files with one record each load', async () => {
    const dir = newDir();
    writeBins(dir);
    const db = await loadCifar10({ dir });
    expect(db.trainDs.length).toBe(10);
    expect(db.validDs.length).toBe(1);
  });
});

describe('imageFolder: an empty class folder', () => {
  const png = encodePng(new Uint8Array(4 * 4 * 3).fill(7), 4, 4);

  it('without a class list: an error naming the empty folder (skipping it would shift the labels)', async () => {
    const dir = newDir();
    for (const c of ['ant', 'cat']) {
      mkdirSync(join(dir, c));
      writeFileSync(join(dir, c, 'a.png'), png);
    }
    mkdirSync(join(dir, 'bee'));
    writeFileSync(join(dir, 'bee', 'notes.txt'), 'not an image');
    await expect(imageFolder(dir)).rejects.toThrow(new RegExp(`imageFolder: class folder ${join(dir, 'bee')} holds no \\.png/\\.jpg/\\.jpeg/\\.webp images; every class folder needs at least one`));
  });

  it('with a class list the labels are fixed by the list: an empty folder is allowed, as a missing one is', async () => {
    const dir = newDir();
    for (const c of ['ant', 'cat']) {
      mkdirSync(join(dir, c));
      writeFileSync(join(dir, c, 'a.png'), png);
    }
    mkdirSync(join(dir, 'bee'));
    const data = await imageFolder(dir, { classes: ['ant', 'bee', 'cat', 'dog'] });
    expect(data.classes).toEqual(['ant', 'bee', 'cat', 'dog']);
    expect(Array.from(data.labels)).toEqual([0, 2]);
  });
});
