/**
 * The browser's stand-ins that can run in Node too (they use only what both have), checked against
 * Node's own: POSIX paths against `path.posix`, SHA-256 against `crypto`, the uncompressed PNG
 * encoder against pngjs's decoder, `gunzip` on `DecompressionStream` against zlib, the page's
 * async context and event-loop turn, and the file system's errors.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as browserPath from '../../src/platform/path.browser.js';
import { createHash as browserHash, randomHex } from '../../src/platform/crypto.browser.js';
import { gunzipChunks } from '../../src/platform/zlib.browser.js';
import { createAsyncContext } from '../../src/platform/async-context.browser.js';
import { nextTurn } from '../../src/platform/event-loop.browser.js';
import * as browserFs from '../../src/platform/fs.browser.js';
import { encodePngStored } from '../../src/data/png-stored.js';
import { memberPath } from '../../src/data/tar-member.js';
import { base64 } from '../../src/plot/data-uri.js';

const PATHS = ['', '.', '..', '/', '//', 'a', 'a/', '/a', 'a/b', 'a//b/', './a/../b', '/a/../../b', '../a/b/..', 'a/./b/.', '/x/y/z.tar.gz', '.hidden', 'dir/.hidden', 'a/b.c.d', '///a//b'];

describe("the page's POSIX paths", () => {
  it('agree with path.posix on join, normalize, dirname, basename, extname, isAbsolute', () => {
    for (const p of PATHS) {
      expect(browserPath.normalize(p), `normalize(${p})`).toBe(posix.normalize(p));
      expect(browserPath.dirname(p), `dirname(${p})`).toBe(posix.dirname(p));
      expect(browserPath.basename(p), `basename(${p})`).toBe(posix.basename(p));
      expect(browserPath.basename(p, '.gz'), `basename(${p}, .gz)`).toBe(posix.basename(p, '.gz'));
      expect(browserPath.extname(p), `extname(${p})`).toBe(posix.extname(p));
      expect(browserPath.isAbsolute(p), `isAbsolute(${p})`).toBe(posix.isAbsolute(p));
      for (const q of ['b', '../c', '/d', '']) expect(browserPath.join(p, q), `join(${p}, ${q})`).toBe(posix.join(p, q));
    }
  });

  it('resolve and relative work from / as the working directory', () => {
    expect(browserPath.resolve('a', 'b')).toBe('/a/b');
    expect(browserPath.resolve('/x', 'a/../b')).toBe('/x/b');
    expect(browserPath.resolve('a', '/y', 'z')).toBe('/y/z');
    for (const [a, b] of [['/a/b', '/a/c/d'], ['/a', '/a'], ['/a/b/c', '/x'], ['/', '/a']]) expect(browserPath.relative(a, b)).toBe(posix.relative(a, b));
  });
});

describe("the page's crypto", () => {
  it('SHA-256 matches Node for empty, short, block-sized and long inputs, fed whole or in pieces', () => {
    const inputs = [new Uint8Array(0), new TextEncoder().encode('abc'), new Uint8Array(55).fill(7), new Uint8Array(64).fill(1), Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 255)];
    for (const x of inputs) {
      const want = createHash('sha256').update(x).digest('hex');
      expect(browserHash('sha256').update(x).digest('hex')).toBe(want);
      const h = browserHash('sha256');
      for (let i = 0; i < x.length; i += 1000) h.update(x.subarray(i, i + 1000));
      expect(h.digest('hex')).toBe(want);
    }
    expect(() => browserHash('md5')).toThrow(/only sha256/);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("the page's gunzip (DecompressionStream)", () => {
  /** The chunks of `gz` joined, and the error that ended them, if any. */
  async function drain(gz: Uint8Array, stopAfter = Infinity): Promise<{ out: Uint8Array; error?: unknown }> {
    const parts: number[] = [];
    try {
      for await (const c of gunzipChunks(gz)) {
        parts.push(...c);
        if (parts.length >= stopAfter) break;
      }
    } catch (error) {
      return { out: Uint8Array.from(parts), error };
    }
    return { out: Uint8Array.from(parts) };
  }

  it('decompresses what zlib compressed chunk by chunk, stops when the reader stops, and fails on a truncated stream after what it could decompress', async () => {
    const raw = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251);
    const gz = new Uint8Array(gzipSync(raw));
    const whole = await drain(gz);
    expect(whole.error).toBeUndefined();
    expect(whole.out).toEqual(raw);
    const early = await drain(gz, 1);
    expect(early.out.length).toBeLessThan(raw.length);
    const cut = await drain(gz.subarray(0, gz.length - 100));
    expect(cut.error).toBeInstanceOf(Error);
    expect(cut.out.length).toBeGreaterThan(0);
    expect(cut.out).toEqual(raw.subarray(0, cut.out.length));
  });
});

describe("the page's PNG encoder (stored deflate)", () => {
  it('writes files pngjs reads back pixel for pixel, RGB and RGBA, small and over one 64 KiB block', () => {
    for (const [w, h, ch] of [[1, 1, 3], [3, 2, 4], [300, 90, 3]] as const) {
      const data = Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 13) & 255);
      const png = PNG.sync.read(Buffer.from(encodePngStored(data, w, h)));
      expect([png.width, png.height]).toEqual([w, h]);
      for (let p = 0; p < w * h; p++) {
        expect([...png.data.subarray(p * 4, p * 4 + 3)]).toEqual([...data.subarray(p * ch, p * ch + 3)]);
        expect(png.data[p * 4 + 3]).toBe(ch === 4 ? data[p * 4 + 3] : 255);
      }
    }
    expect(() => encodePngStored(new Uint8Array(5), 2, 1)).toThrow(/needs 6 \(RGB\) or 8 \(RGBA\) bytes, got 5/);
    expect(base64(new Uint8Array([0, 255, 1, 2]))).toBe(Buffer.from([0, 255, 1, 2]).toString('base64'));
  });
});

describe("the page's async context and event-loop turn", () => {
  it('a run sees its value across awaits and restores the one before when it settles', async () => {
    const ctx = createAsyncContext<number>();
    expect(ctx.get()).toBeUndefined();
    const seen: (number | undefined)[] = [];
    await ctx.run(1, async () => {
      seen.push(ctx.get());
      await nextTurn();
      seen.push(ctx.get());
      await ctx.run(2, async () => {
        await nextTurn();
        seen.push(ctx.get());
      });
      seen.push(ctx.get());
    });
    expect(seen).toEqual([1, 1, 2, 1]);
    expect(ctx.get()).toBeUndefined();
    await expect(ctx.run(3, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(ctx.get()).toBeUndefined();
  });

  it('nextTurn lets a queued timer run before it resolves, in order for several waiters', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([nextTurn().then(() => order.push('a')), nextTurn().then(() => order.push('b'))]);
    expect(order).toEqual(['timer', 'a', 'b']);
  });
});

describe("the page's file system", () => {
  it('without IndexedDB, fails every call saying the page cannot keep files; synchronous calls never work in a page', async () => {
    expect(typeof indexedDB).toBe('undefined');
    await expect(browserFs.readFile('data/x.bin')).rejects.toThrow(/this page cannot keep files \(tfai keeps a page's files in IndexedDB/);
    await expect(browserFs.mkdir('runs/a', { recursive: true })).rejects.toMatchObject({ code: 'ENOSYS' });
    expect(() => browserFs.readFileSync('f')).toThrow(/^readFileSync 'f': a page's files can only be read and written asynchronously/);
    expect(browserFs.existsSync('anything')).toBe(false);
  });

  it('tar member paths are checked the same way without Node', () => {
    expect(memberPath('a/./b')).toBe('a/b');
    for (const bad of ['/etc/x', 'C:\\x', 'a/../../b', '.', 'a\0b']) expect(memberPath(bad)).toBeInstanceOf(Error);
  });
});
