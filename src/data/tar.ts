/**
 * Unpacking `.tar` / `.tar.gz` archives (the CIFAR-10 release) safely and without holding them in
 * memory: the maintained `tar` package parses the stream (gzip detected, ustar / GNU / pax names,
 * header checksums, truncation), and this file decides what is written where:
 *
 * - only regular files are written (directories are made as needed; links, devices and the like
 *   are never extracted, so an archive cannot plant a symlink that later writes go through);
 * - a member path must stay strictly inside the destination: absolute paths, drive letters, any
 *   `..` component and paths that resolve onto the destination itself (`x/..`, `.`) are refused,
 *   and the whole extraction fails naming the member;
 * - files are streamed into a temporary folder inside the destination and moved into place only
 *   when the whole archive has been read and checked, so a failed or interrupted extraction never
 *   leaves a partial file under a real name (a crashed one's temporary folder is removed next time).
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { dirname, join, resolve, sep } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { memberPath } from './tar-member.js';

export { memberPath } from './tar-member.js';

/** Prefix of the temporary folders extraction stages files in (shared with tfai's other temporaries). */
const STAGE_PREFIX = '.tfai-tmp-extract-';

/** Options of `extractTarGz`. */
export interface ExtractTarOptions {
  /** Extract only the members whose archive path passes (all regular files by default). */
  filter?: (name: string) => boolean;
  /** What to call the archive in errors when it is given as bytes (default `<tar>`). */
  name?: string;
}

/** Remove staging folders of extractions whose process is gone (a crash or kill left them). */
async function removeDeadStages(dest: string): Promise<void> {
  const names = await readdir(dest).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.startsWith(STAGE_PREFIX)) continue;
    const pid = Number(n.slice(STAGE_PREFIX.length).split('-')[0]);
    let alive = pid === process.pid;
    if (!alive && Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) await rm(join(dest, n), { recursive: true, force: true });
  }
}

/**
 * Unpack the regular files of a `.tar.gz` or plain `.tar` into `dest`, keeping their paths; returns
 * the written paths (in archive order). `source` is the archive's path (streamed from disk, never
 * held in memory whole) or its bytes. Nothing is moved into `dest` until the whole archive has been
 * read and checked.
 * @throws Error naming the archive and the member: a member path that would land outside or onto
 *   `dest`, a bad header checksum, a truncated archive (also one cut between members: the
 *   end-of-archive blocks must be there), an unrecognised one, a failed write.
 */
export async function extractTarGz(source: string | Uint8Array, dest: string, opts: ExtractTarOptions = {}): Promise<string[]> {
  const label = typeof source === 'string' ? source : (opts.name ?? '<tar>');
  const fail = (e: unknown): Error => new Error(`extractTarGz: ${label}: ${(e as Error).message ?? String(e)}`, { cause: e });
  await mkdir(dest, { recursive: true });
  await removeDeadStages(dest);
  const stage = await mkdtemp(join(dest, `${STAGE_PREFIX}${process.pid}-`));
  const staged: { tmp: string; rel: string }[] = [];
  const writes: Promise<void>[] = [];
  try {
    await new Promise<void>((done, reject) => {
      let failed = false;
      const outs: WriteStream[] = [];
      const input = typeof source === 'string' ? createReadStream(source) : Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)]);
      const stop = (e: unknown): void => {
        if (failed) return;
        failed = true;
        input.unpipe();
        input.destroy();
        for (const o of outs) o.destroy(); // each then closes: the stage can be removed
        reject(fail(e));
      };
      const onEntry = (entry: ReadEntry): void => {
        const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
        if (failed || !isFile || (opts.filter && !opts.filter(entry.path))) {
          entry.resume();
          return;
        }
        const rel = memberPath(entry.path);
        if (rel instanceof Error) {
          entry.resume();
          stop(rel);
          return;
        }
        const tmp = join(stage, String(staged.length));
        staged.push({ tmp, rel });
        const out = createWriteStream(tmp, { flags: 'wx' });
        outs.push(out);
        let error: Error | null = null;
        out.on('error', (e) => (error ??= new Error(`writing member '${entry.path}': ${e.message}`, { cause: e })));
        const closed = new Promise<void>((ok, bad) => out.on('close', () => (error ? bad(error) : ok())));
        closed.catch(() => undefined); // awaited below; after a failure nobody else waits for it
        writes.push(closed);
        entry.pipe(out);
      };
      const parser = new Parser({ strict: true, onReadEntry: onEntry });
      let sawEnd = false; // the two zero blocks that end every tar archive
      parser.on('eof', () => (sawEnd = true));
      parser.on('error', stop);
      parser.on('end', () => {
        if (failed) return;
        if (!sawEnd) return stop(new Error('the archive ends without its end-of-archive blocks: it is truncated'));
        Promise.all(writes).then(() => done(), stop);
      });
      input.on('error', stop);
      input.pipe(parser as unknown as NodeJS.WritableStream);
    });
    const root = resolve(dest);
    const written: string[] = [];
    for (const { tmp, rel } of staged) {
      const target = join(root, rel);
      if (!target.startsWith(root + sep)) throw fail(new Error(`refusing member '${rel}': it resolves outside the destination`));
      try {
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
      } catch (e) {
        throw fail(new Error(`moving member '${rel}' into ${dest}: ${(e as Error).message}`, { cause: e }));
      }
      written.push(join(dest, rel));
    }
    return written;
  } finally {
    await Promise.allSettled(writes);
    await rm(stage, { recursive: true, force: true });
  }
}
