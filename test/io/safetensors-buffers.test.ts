/**
 * `decodeSafetensors` reads the bytes it is given wherever they sit: a Node `Buffer` (from
 * `readFileSync`, or a small one cut from Node's shared pool, whose `.buffer` is the whole pool), a
 * `Uint8Array` view at an odd offset of a larger buffer, an `ArrayBuffer`, another typed-array view.
 * (Before the fix F32 / I32 values of a pooled Buffer were read from the wrong bytes.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeSafetensors, encodeSafetensors, readSafetensors, type SafetensorsContents } from '../../src/io/safetensors.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-stbuf-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const W = Float32Array.from([1.5, -2.25, 3.125, 0.5, 7, -8]);
const N = Int32Array.from([42, -7, 2147483647]);
/** A small file (far below Node's 4 KiB pool size, so `Buffer.from` takes it from the pool). */
const good = encodeSafetensors([
  ['w', { shape: [2, 3], data: W, dtype: 'F32' }],
  ['n', { shape: [3], data: N, dtype: 'I32' }],
  ['c', { shape: [1], data: Int32Array.from([9]), dtype: 'I64' }],
]);

function expectGood(f: SafetensorsContents): void {
  expect(Array.from(f.tensors.get('w')!.data)).toEqual(Array.from(W));
  expect(f.tensors.get('w')!.data).toBeInstanceOf(Float32Array);
  expect(Array.from(f.tensors.get('n')!.data)).toEqual(Array.from(N));
  expect(f.tensors.get('n')!.data).toBeInstanceOf(Int32Array);
  expect(Array.from(f.tensors.get('c')!.data)).toEqual([9]);
}

describe('decodeSafetensors on every kind of byte container', () => {
  it('a pooled Node Buffer (byteOffset inside a larger shared buffer)', () => {
    Buffer.from('shift the pool'); // make sure the next pooled buffer does not start at offset 0
    const buf = Buffer.from(good);
    expect(buf.buffer.byteLength).toBeGreaterThan(buf.byteLength); // it really is a slice of the pool
    expectGood(decodeSafetensors(buf, 'pooled'));
  });

  it('a Buffer straight from readFileSync, and readSafetensors', async () => {
    const file = path.join(dir, 'w.safetensors');
    await fs.writeFile(file, good);
    expectGood(decodeSafetensors(readFileSync(file), file));
    expectGood(await readSafetensors(file));
  });

  it('a Uint8Array view at an odd offset of a larger buffer, with junk around it', () => {
    const big = new Uint8Array(good.length + 11).fill(0xab);
    big.set(good, 5);
    const view = big.subarray(5, 5 + good.length);
    expectGood(decodeSafetensors(view));
    // the decoded values are copies: changing the source afterwards does not change them
    const f = decodeSafetensors(view);
    big.fill(0);
    expect(Array.from(f.tensors.get('w')!.data)).toEqual(Array.from(W));
  });

  it('an ArrayBuffer, and a DataView over part of one', () => {
    const ab = good.buffer.slice(good.byteOffset, good.byteOffset + good.byteLength);
    expectGood(decodeSafetensors(ab));
    const padded = new Uint8Array(good.length + 3);
    padded.set(good, 3);
    expectGood(decodeSafetensors(new DataView(padded.buffer, 3, good.length)));
  });

  it('refuses something that is not bytes, naming the source', () => {
    expect(() => decodeSafetensors('w.safetensors' as unknown as Uint8Array, 'arg')).toThrow(/arg: expected the file's bytes \(Uint8Array, Buffer or ArrayBuffer\), got string/);
  });
});
