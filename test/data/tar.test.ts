/**
 * `extractTarGz`: round trips (bytes, .tar and .tar.gz files), and the safety rules — a member that
 * would land outside or onto the destination (`x/..` used to write `<dest>.part` beside it) fails
 * the whole extraction naming the member, with nothing written anywhere; links are never
 * extracted; corrupt and truncated archives are refused naming the archive; a crashed extraction's
 * temporary folder is cleared. Also `downloadCifar10` streaming a response body to disk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractTarGz } from '../../src/data/index.js';
import { downloadCifar10, type FetchLike } from '../../src/data/download.js';
import { CIFAR10_TRAIN_FILES } from '../../src/data/cifar10.js';
import { writeTar } from '../helpers/tar.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-tar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** A fresh parent folder holding `dest` (not yet created), so writes beside `dest` are visible. */
function fresh(): { parent: string; dest: string } {
  const parent = join(tmp, String(n++));
  mkdirSync(parent);
  return { parent, dest: join(parent, 'dest') };
}
/** Every path under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

const files = [
  { name: 'a/one.txt', data: Buffer.from('hello') },
  { name: 'a/b/block.bin', data: new Uint8Array(512).fill(7) },
  { name: 'empty', data: new Uint8Array(0) },
  { name: 'big.bin', data: new Uint8Array(70_000).map((_, i) => i % 251) },
];

describe('extractTarGz round trips', () => {
  for (const [how, make] of [
    ['tar bytes', (t: Buffer) => t],
    ['tar.gz bytes', (t: Buffer) => gzipSync(t)],
    ['a .tar file', (t: Buffer, p: string) => (writeFileSync(join(p, 'x.tar'), t), join(p, 'x.tar'))],
    ['a .tar.gz file', (t: Buffer, p: string) => (writeFileSync(join(p, 'x.tar.gz'), gzipSync(t)), join(p, 'x.tar.gz'))],
  ] as const) {
    it(`from ${how}: every file, byte for byte, at its path; returns the paths`, async () => {
      const { parent, dest } = fresh();
      const src = make(writeTar(files), parent);
      const written = await extractTarGz(src as string | Uint8Array, dest);
      expect(written).toEqual(files.map((f) => join(dest, f.name)));
      for (const f of files) expect(readFileSync(join(dest, f.name)).equals(Buffer.from(f.data))).toBe(true);
      expect(tree(dest)).toEqual(['a', 'a/b', 'a/b/block.bin', 'a/one.txt', 'big.bin', 'empty']); // no temporaries
    });
  }

  it('filter picks members; directories are made, links are never extracted', async () => {
    const { dest } = fresh();
    const t = writeTar([
      { name: 'd/', type: 'Directory' },
      { name: 'd/keep.txt', data: Buffer.from('k') },
      { name: 'd/skip.txt', data: Buffer.from('s') },
      { name: 'd/link', type: 'SymbolicLink', linkpath: '/etc/passwd' },
      { name: 'd/hard', type: 'Link', linkpath: 'd/keep.txt' },
    ]);
    expect(await extractTarGz(t, dest, { filter: (m) => !m.endsWith('skip.txt') })).toEqual([join(dest, 'd/keep.txt')]);
    expect(tree(dest)).toEqual(['d', 'd/keep.txt']);
  });
});

describe('extractTarGz refuses members outside or onto the destination, writing nothing', () => {
  const cases: [string, RegExp][] = [
    ['x/..', /refusing member 'x\/\.\.': its path has a '\.\.' component/],
    ['../up.txt', /refusing member '\.\.\/up\.txt': its path has a '\.\.' component/],
    ['a/../../up.txt', /refusing member 'a\/\.\.\/\.\.\/up\.txt'/],
    ['a/../b.txt', /refusing member 'a\/\.\.\/b\.txt'/],
    ['/tmp/abs.txt', /refusing member '\/tmp\/abs\.txt': an absolute path/],
    ['C:\\evil.txt', /refusing member 'C:\\evil\.txt': an absolute path/],
    ['..\\up.txt', /refusing member '\.\.\\up\.txt': its path has a '\.\.' component/],
    ['.', /refusing member '\.': its path names the destination itself/],
  ];
  for (const [name, msg] of cases) {
    it(`member ${JSON.stringify(name)}`, async () => {
      const { parent, dest } = fresh();
      const before = tree(parent);
      // a good member first: it must not be moved into place either
      const t = writeTar([{ name: 'good.txt', data: Buffer.from('g') }, { name, data: Buffer.from('evil') }]);
      await expect(extractTarGz(gzipSync(t), dest, { name: 'evil.tgz' })).rejects.toThrow(new RegExp(`extractTarGz: evil\\.tgz: ${msg.source}`));
      expect(tree(parent).filter((p) => !p.startsWith('dest'))).toEqual(before); // nothing beside dest (no dest.part)
      expect(tree(dest)).toEqual([]); // nothing in dest, no temporary left
      expect(existsSync('/tmp/abs.txt') && readFileSync('/tmp/abs.txt', 'utf8') === 'evil').toBe(false);
    });
  }
});

describe('extractTarGz refuses damaged archives, naming them', () => {
  it('a corrupt header (checksum)', async () => {
    const { parent, dest } = fresh();
    const t = writeTar(files);
    t[0] = 'y'.charCodeAt(0);
    writeFileSync(join(parent, 'bad.tar'), t);
    await expect(extractTarGz(join(parent, 'bad.tar'), dest)).rejects.toThrow(new RegExp(`extractTarGz: ${join(parent, 'bad.tar')}: .*(checksum failure|Unrecognized archive format)`));
    expect(tree(dest)).toEqual([]);
  });

  it('a truncated archive, cut inside a member or between members: nothing is moved into place', async () => {
    const { dest } = fresh();
    const t = writeTar(files);
    await expect(extractTarGz(t.subarray(0, 1024 + 512 + 200), dest, { name: 'cut.tar' })).rejects.toThrow(/extractTarGz: cut\.tar: .*Truncated input/);
    expect(tree(dest)).toEqual([]);
    await expect(extractTarGz(t.subarray(0, 1024 + 1024 + 100), dest, { name: 'cut2.tar' })).rejects.toThrow(/extractTarGz: cut2\.tar: the archive ends without its end-of-archive blocks: it is truncated/);
    await expect(extractTarGz(gzipSync(t).subarray(0, 300), dest, { name: 'cut.tgz' })).rejects.toThrow(/extractTarGz: cut\.tgz: /);
    expect(tree(dest)).toEqual([]);
  });

  it('not an archive at all, and an empty file', async () => {
    const { dest } = fresh();
    await expect(extractTarGz(Buffer.from('hello, not a tar file'), dest, { name: 'x' })).rejects.toThrow(/extractTarGz: x: .*Unrecognized archive format/);
    await expect(extractTarGz(new Uint8Array(0), dest, { name: 'y' })).rejects.toThrow(/extractTarGz: y: .*Unrecognized archive format/);
  });

  it('a temporary folder left by a crashed extraction (its process gone) is removed next time', async () => {
    const { dest } = fresh();
    const dead = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      c.on('exit', () => resolve(c.pid!));
    });
    mkdirSync(join(dest, `.tfai-tmp-extract-${dead}-abc`, 'x'), { recursive: true });
    await extractTarGz(writeTar(files.slice(0, 1)), dest);
    expect(tree(dest)).toEqual(['a', 'a/one.txt']);
  });
});

describe('downloadCifar10 streams the body to disk', () => {
  it('a response with a body stream: written in chunks, MD5 checked, unpacked, no temporary left', async () => {
    const dir = join(tmp, 'dl');
    const rec = Buffer.concat([Buffer.from([3]), Buffer.alloc(3072, 1)]);
    const members = [...CIFAR10_TRAIN_FILES, 'test_batch.bin'].map((f) => ({ name: `cifar-10-batches-bin/${f}`, data: rec }));
    const gz = gzipSync(writeTar(members));
    const md5 = createHash('md5').update(gz).digest('hex');
    let pulled = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < gz.length; i += 1000) {
        pulled++;
        yield gz.subarray(i, i + 1000);
      }
    }
    const fetch: FetchLike = async () => ({ ok: true, status: 200, statusText: 'OK', body: body(), arrayBuffer: async () => { throw new Error('must stream, not buffer'); } });
    const where = await downloadCifar10(dir, { fetch, md5 });
    expect(pulled).toBe(Math.ceil(gz.length / 1000));
    expect(where).toBe(join(dir, 'cifar-10-batches-bin'));
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a body whose MD5 differs is refused and removed', async () => {
    const dir = join(tmp, 'dl-bad');
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('not the archive');
    }
    const fetch: FetchLike = async () => ({ ok: true, status: 200, statusText: 'OK', body: body(), arrayBuffer: async () => new ArrayBuffer(0) });
    await expect(downloadCifar10(dir, { fetch })).rejects.toThrow(/\(15 bytes\) has MD5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
