/**
 * The page's file system (platform/fs.browser.ts, on IndexedDB) against Node's own: the same calls
 * on the same tree give the same results and the same error codes. Run in Node over fake-indexeddb
 * (an IndexedDB in memory); the browser unit suite runs tfai's file writers on the real one.
 */
import 'fake-indexeddb/auto';
import * as nodeFs from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as pageFs from '../../src/platform/fs.browser.js';

const root = mkdtempSync(join(tmpdir(), 'tfai-pagefs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Fs = typeof pageFs;
/** Run `op` on both file systems (Node's under `root`, the page's under `/t<n>`), returning each outcome or error code. */
let n = 0;
async function both<T>(op: (fs: Fs, base: string) => Promise<T>): Promise<[T | string, T | string]> {
  const base = `/t${++n}`;
  await pageFs.mkdir(base, { recursive: true });
  const nodeBase = join(root, `t${n}`);
  await nodeFs.mkdir(nodeBase, { recursive: true });
  const run = async (fs: Fs, b: string): Promise<T | string> => {
    try {
      return await op(fs, b);
    } catch (e) {
      return `error ${(e as NodeJS.ErrnoException).code}`;
    }
  };
  return [await run(nodeFs as unknown as Fs, nodeBase), await run(pageFs, base)];
}

describe("the page's file system behaves as Node's", () => {
  const cases: [string, (fs: Fs, b: string) => Promise<unknown>][] = [
    ['write, read back as bytes and text, stat', async (fs, b) => {
      await fs.writeFile(`${b}/a.txt`, 'héllo');
      const st = await fs.stat(`${b}/a.txt`);
      return [Array.from(await fs.readFile(`${b}/a.txt`)), await fs.readFile(`${b}/a.txt`, 'utf8'), st.isFile(), st.isDirectory(), st.size];
    }],
    ['append creates, then appends', async (fs, b) => {
      await fs.appendFile(`${b}/log.csv`, 'a\n');
      await fs.appendFile(`${b}/log.csv`, 'b\n');
      return fs.readFile(`${b}/log.csv`, 'utf8');
    }],
    ['readFile of a missing file: ENOENT; of a folder: EISDIR', async (fs, b) => {
      const codes: string[] = [];
      for (const p of [`${b}/nope`, b]) await fs.readFile(p).catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      return codes;
    }],
    ['writeFile into a missing folder: ENOENT; through a file: ENOTDIR; exclusive over a file: EEXIST', async (fs, b) => {
      await fs.writeFile(`${b}/f`, 'x');
      const codes: string[] = [];
      await fs.writeFile(`${b}/no/x`, 'x').catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      await fs.writeFile(`${b}/f/x`, 'x').catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      await fs.writeFile(`${b}/f`, 'y', { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      return [codes, await fs.readFile(`${b}/f`, 'utf8')];
    }],
    ['mkdir: recursive makes parents and tolerates existing; plain fails on existing (EEXIST) and missing parent (ENOENT)', async (fs, b) => {
      await fs.mkdir(`${b}/x/y/z`, { recursive: true });
      await fs.mkdir(`${b}/x/y/z`, { recursive: true });
      const codes: string[] = [];
      await fs.mkdir(`${b}/x`).catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      await fs.mkdir(`${b}/q/r`).catch((e: NodeJS.ErrnoException) => codes.push(e.code!));
      return [codes, (await fs.stat(`${b}/x/y/z`)).isDirectory()];
    }],
    ['readdir lists direct children, sorted, with types', async (fs, b) => {
      await fs.mkdir(`${b}/d/sub`, { recursive: true });
      await fs.writeFile(`${b}/d/b.txt`, '1');
      await fs.writeFile(`${b}/d/a.txt`, '2');
      await fs.writeFile(`${b}/d/sub/deep.txt`, '3');
      const typed = await fs.readdir(`${b}/d`, { withFileTypes: true });
      return [await fs.readdir(`${b}/d`), typed.map((d) => [d.name, d.isDirectory()])];
    }],
    ['rename a file over a file; a folder with its contents; onto a non-empty folder: ENOTEMPTY', async (fs, b) => {
      await fs.writeFile(`${b}/one`, '1');
      await fs.writeFile(`${b}/two`, '2');
      await fs.rename(`${b}/one`, `${b}/two`);
      await fs.mkdir(`${b}/tmp/inner`, { recursive: true });
      await fs.writeFile(`${b}/tmp/inner/w`, 'w');
      await fs.rename(`${b}/tmp`, `${b}/final`);
      await fs.mkdir(`${b}/other/full`, { recursive: true });
      const code = await fs.rename(`${b}/other`, `${b}/final`).catch((e: NodeJS.ErrnoException) => e.code);
      return [await fs.readFile(`${b}/two`, 'utf8'), await fs.readdir(b), await fs.readFile(`${b}/final/inner/w`, 'utf8'), code];
    }],
    ['rm: a file; a folder recursively; a missing path with force; without: ENOENT', async (fs, b) => {
      await fs.mkdir(`${b}/dir/x`, { recursive: true });
      await fs.writeFile(`${b}/dir/x/f`, 'f');
      await fs.writeFile(`${b}/file`, 'f');
      await fs.rm(`${b}/file`);
      await fs.rm(`${b}/dir`, { recursive: true, force: true });
      await fs.rm(`${b}/missing`, { force: true });
      const code = await fs.rm(`${b}/missing`).catch((e: NodeJS.ErrnoException) => e.code);
      return [await fs.readdir(b), code];
    }],
    ['link copies a file; onto an existing one: EEXIST; unlink removes it', async (fs, b) => {
      await fs.writeFile(`${b}/src`, 'data');
      await fs.link(`${b}/src`, `${b}/dst`);
      const code = await fs.link(`${b}/src`, `${b}/dst`).catch((e: NodeJS.ErrnoException) => e.code);
      await fs.unlink(`${b}/src`);
      return [await fs.readFile(`${b}/dst`, 'utf8'), code, await fs.readdir(b)];
    }],
    ['open: wx creates and writes, wx again EEXIST; r of a missing file ENOENT; read into a buffer', async (fs, b) => {
      const fh = await fs.open(`${b}/h`, 'wx');
      await fh.writeFile('abcdef');
      await fh.sync();
      await fh.close();
      const again = await fs.open(`${b}/h`, 'wx').catch((e: NodeJS.ErrnoException) => e.code);
      const missing = await fs.open(`${b}/none`, 'r').catch((e: NodeJS.ErrnoException) => e.code);
      const rh = await fs.open(`${b}/h`, 'r');
      const buf = new Uint8Array(4);
      const { bytesRead } = await rh.read(buf, 0, 4, 1);
      await rh.close();
      return [again, missing, bytesRead, new TextDecoder().decode(buf)];
    }],
  ];
  for (const [name, op] of cases) {
    it(name, async () => {
      const [node, page] = await both(op);
      expect(page).toEqual(node);
    });
  }

  it('relative paths start at /', async () => {
    await pageFs.mkdir('models', { recursive: true });
    await pageFs.writeFile('models/m.bin', new Uint8Array([1, 2, 3]));
    expect(Array.from(await pageFs.readFile('/models/m.bin'))).toEqual([1, 2, 3]);
    expect((await pageFs.readdir('/')).includes('models')).toBe(true);
  });
});
