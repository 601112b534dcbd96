/**
 * `readBytes`: one reader for a path, a `file:` / `data:` URL, a `Blob` or `File`, an `ArrayBuffer`
 * or a `Uint8Array`; `maxBytes` refuses a large source before reading it; errors name the source.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeSource, readBytes } from '../../src/io/byte-source.js';
import { readBytesSync } from '../../src/io/read-sync.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-bytes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = join(tmp, 'a.bin');
writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));

describe('readBytes', () => {
  it('reads every kind of source to the same bytes', async () => {
    const want = [1, 2, 3, 4, 5];
    const ab = new Uint8Array(want).buffer;
    const sources = [file, pathToFileURL(file), pathToFileURL(file).href, new Blob([new Uint8Array(want)]), new File([new Uint8Array(want)], 'a.bin'), ab, new Uint8Array(want), new URL('data:application/octet-stream;base64,AQIDBAU=')];
    for (const s of sources) expect(Array.from(await readBytes(s)), describeSource(s)).toEqual(want);
    expect(Array.from(readBytesSync(file))).toEqual(want);
    expect(Array.from(readBytesSync(pathToFileURL(file)))).toEqual(want);
  });

  it('refuses a source over maxBytes before reading it, naming it', async () => {
    const big = join(tmp, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 33); // 8 GB, sparse: reading it would take minutes and all memory
    await expect(readBytes(big, { maxBytes: 1000 })).rejects.toThrow(new RegExp(`${big}: 8589934592 bytes is more than the limit of 1000 bytes`));
    expect(() => readBytesSync(big, 1000)).toThrow(/8589934592 bytes is more than the limit/);
    await expect(readBytes(new File([new Uint8Array(10)], 'photo.jpg'), { maxBytes: 4 })).rejects.toThrow(/File "photo.jpg" \(10 bytes\): 10 bytes is more than the limit of 4 bytes/);
    await expect(readBytes(new Uint8Array(10), { maxBytes: 4 })).rejects.toThrow(/<10 bytes>: 10 bytes is more than the limit/);
    await expect(readBytes(new URL('data:,hello world'), { maxBytes: 4 })).rejects.toThrow(/more than the limit of 4 bytes/);
    await expect(readBytes(file, { maxBytes: -1 })).rejects.toThrow(/maxBytes must be an integer >= 0/);
  });

  it('names the path and the cause when a file cannot be read', async () => {
    await expect(readBytes(join(tmp, 'missing.jpg'))).rejects.toThrow(/missing\.jpg: cannot read: no such file or folder \(ENOENT/);
    await expect(readBytes(tmp)).rejects.toThrow(/cannot read: it is a folder, not a file \(EISDIR/);
    expect(() => readBytesSync(join(tmp, 'missing.jpg'))).toThrow(/missing\.jpg: cannot read: no such file/);
    expect(() => readBytesSync(new Blob([]))).toThrow(/Blob \(0 bytes\): cannot be read synchronously/);
  });

  it('describeSource names each kind', () => {
    expect(describeSource('/x/y.jpg')).toBe('/x/y.jpg');
    expect(describeSource(new URL('https://example.com/a.png'))).toBe('https://example.com/a.png');
    expect(describeSource(new File([new Uint8Array(3)], 'cat.jpg'))).toBe('File "cat.jpg" (3 bytes)');
    expect(describeSource(new Blob([new Uint8Array(3)]))).toBe('Blob (3 bytes)');
    expect(describeSource(new Uint8Array(7))).toBe('<7 bytes>');
  });
});
