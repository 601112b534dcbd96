import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdx } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tfai-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256);
const labels = Uint8Array.from([3, 1, 4]);

describe('IDX reader', () => {
  it('encodes the standard header (magic 0x00000803, big-endian dims)', () => {
    const bytes = encodeIdx(images, [3, 4, 5]);
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
    expect(bytes.length).toBe(16 + 60);
  });

  it('round-trips plain images and labels files', async () => {
    const img = await readIdx(write('imgs-idx3-ubyte', encodeIdx(images, [3, 4, 5])));
    expect(img.magic).toBe(IDX_IMAGES_MAGIC);
    expect(img.shape).toEqual([3, 4, 5]);
    expect(Array.from(img.data)).toEqual(Array.from(images));
    const lbl = await readIdx(write('lbls-idx1-ubyte', encodeIdx(labels, [3])));
    expect(lbl.magic).toBe(IDX_LABELS_MAGIC);
    expect(lbl.shape).toEqual([3]);
    expect(Array.from(lbl.data)).toEqual([3, 1, 4]);
  });

  it('round-trips gzipped files, detected by extension and by magic alone', async () => {
    const gz = gzipSync(encodeIdx(images, [3, 4, 5]));
    const a = await readIdx(write('imgs-idx3-ubyte.gz', gz));
    expect(a.shape).toEqual([3, 4, 5]);
    expect(Array.from(a.data)).toEqual(Array.from(images));
    const b = await readIdx(write('gzip-without-extension', gz)); // gzip magic 1f 8b
    expect(Array.from(b.data)).toEqual(Array.from(images));
    // a ".gz" file that is actually plain IDX (already decompressed by a downloader) still reads
    const c = await readIdx(write('plain-named.gz', encodeIdx(labels, [3])));
    expect(Array.from(c.data)).toEqual([3, 1, 4]);
  });

  it('a truncated data section names the file and expected vs actual sizes', async () => {
    const full = encodeIdx(images, [3, 4, 5]);
    const p = write('truncated-idx3-ubyte', full.subarray(0, full.length - 10));
    const err = await readIdx(p).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toMatch(/truncated/);
    expect((err as Error).message).toMatch(/60 data bytes from byte offset 16/);
    expect((err as Error).message).toMatch(/file has 50 data bytes/);
  });

  it('a truncated header names the file and the byte offset', async () => {
    const p = write('short-header', encodeIdx(images, [3, 4, 5]).subarray(0, 10));
    await expect(readIdx(p)).rejects.toThrow(p);
    await expect(readIdx(p)).rejects.toThrow(/byte offsets 4\.\.15.*only 10 bytes/);
    const p2 = write('tiny', Uint8Array.from([0, 0]));
    await expect(readIdx(p2)).rejects.toThrow(/4-byte magic number at byte offset 0.*only 2 bytes/);
  });

  it('a wrong magic number names the file and what was expected', async () => {
    const bad = encodeIdx(labels, [3]);
    bad[0] = 0x12;
    bad[1] = 0x34;
    const p = write('bad-magic', bad);
    const err = (await readIdx(p).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(p);
    expect(err.message).toMatch(/bad magic number 0x12340801 at byte offset 0/);
    expect(err.message).toMatch(/0x00000801.*0x00000803/);
    const f32 = encodeIdx(labels, [3]);
    f32[2] = 0x0d;
    const p2 = write('float-idx', f32);
    await expect(readIdx(p2)).rejects.toThrow(/data type 0x0d \(float32\)/);
  });

  it('extra trailing bytes are a size mismatch', () => {
    const full = encodeIdx(labels, [3]);
    const longer = new Uint8Array(full.length + 2);
    longer.set(full);
    expect(() => parseIdx(longer, 'x.idx')).toThrow(/x\.idx: data size mismatch \(file has extra trailing bytes\)/);
  });

  it('a truncated gzip stream names the file and how much data is missing', async () => {
    const gz = gzipSync(encodeIdx(images, [3, 4, 5]));
    const p = write('cut.gz', gz.subarray(0, gz.length - 20));
    const err = (await readIdx(p).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(p);
    expect(err.message).toMatch(/gzip stream is corrupt or truncated/);
  });

  it('a missing file names the path', async () => {
    const p = join(dir, 'nope');
    await expect(readIdx(p)).rejects.toThrow(new RegExp(`${p}: cannot read file`));
  });
});
