import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
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

/** A gzip file of `header` followed by `zeros` zero bytes, written as a stream (never held in memory). */
async function gzipBomb(name: string, header: Uint8Array, zeros: number): Promise<string> {
  const p = join(dir, name);
  const chunk = new Uint8Array(1 << 20);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield header;
    for (let left = zeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  await pipeline(Readable.from(body()), createGzip({ level: 9 }), createWriteStream(p));
  return p;
}

describe('IDX decompression bombs are refused before the memory is allocated', () => {
  it('a header that declares more than the limit: refused after reading the header, naming shape, size and limit', async () => {
    const header = encodeIdx(new Uint8Array(0), [0, 1000, 1000]);
    new DataView(header.buffer).setUint32(4, 100_000, false); // claims 100000 × 1000 × 1000 bytes
    const p = await gzipBomb('huge-header.gz', header, 1 << 20);
    await expect(readIdx(p)).rejects.toThrow(
      `readIdx: ${p}: the header declares shape [100000, 1000, 1000], i.e. 100000000000 data bytes, more than the limit of 1073741824 bytes (the maxBytes option of readIdx)`,
    );
    await expect(readIdx(p, { maxBytes: 1000 })).rejects.toThrow(/more than the limit of 1000 bytes/);
  });

  it('a gzip stream that inflates past what its header declares is cut off there (256 MiB of zeros behind a 3-label header)', async () => {
    const p = await gzipBomb('bomb.gz', encodeIdx(labels, [3]), 256 << 20);
    const before = process.memoryUsage().arrayBuffers;
    const err = (await readIdx(p).catch((e: Error) => e)) as Error;
    const grew = process.memoryUsage().arrayBuffers - before;
    expect(err.message).toBe(
      `readIdx: ${p}: data size mismatch (file has extra trailing bytes): the header declares shape [3], i.e. 3 data bytes (file size 11), but the gzip stream decompresses to more; stopped after ${err.message.match(/stopped after (\d+)/)?.[1]} bytes`,
    );
    expect(grew).toBeLessThan(64 << 20);
  });

  it('the limit applies to plain files too, before they are read', async () => {
    const header = encodeIdx(new Uint8Array(0), [0, 28, 28]);
    new DataView(header.buffer).setUint32(4, 60_000, false);
    const p = write('plain-big', header);
    await expect(readIdx(p, { maxBytes: 1 << 20 })).rejects.toThrow(/declares shape \[60000, 28, 28\], i\.e\. 47040000 data bytes, more than the limit of 1048576 bytes/);
  });

  it('files within the limit still read, plain and gzipped', async () => {
    const gz = write('ok.gz', gzipSync(encodeIdx(images, [3, 4, 5])));
    expect((await readIdx(gz, { maxBytes: 60 })).shape).toEqual([3, 4, 5]);
    const plain = write('ok.idx', encodeIdx(images, [3, 4, 5]));
    expect(Array.from((await readIdx(plain, { maxBytes: 60 })).data)).toEqual(Array.from(images));
  });
});
