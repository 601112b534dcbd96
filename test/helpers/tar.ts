/**
 * Tar archives for test fixtures, any member name and type included (hostile ones too: `x/..`,
 * `../up`, absolute paths, symlinks), with the headers encoded by the `tar` package.
 */
import { Header, type HeaderData } from 'tar';

/** A member: a regular file by default, or a directory / symlink / hard link. */
export type TarMember = { name: string; data?: Uint8Array; type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link'; linkpath?: string };

const BLOCK = 512;

/** The members as an uncompressed tar archive (ustar headers; names up to 100 bytes, or 255 with a prefix). */
export function writeTar(members: readonly TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = m.data ?? new Uint8Array(0);
    const type = m.type ?? 'File';
    const h: HeaderData = { path: m.name, mode: type === 'Directory' ? 0o755 : 0o644, size: type === 'File' ? data.length : 0, mtime: new Date(0), type, linkpath: m.linkpath, uid: 0, gid: 0 };
    const header = new Header(h);
    const block = Buffer.alloc(BLOCK);
    header.encode(block, 0);
    if (header.needPax) throw new RangeError(`writeTar: '${m.name}' needs a pax header, which this helper does not write`);
    parts.push(block);
    if (type === 'File') parts.push(Buffer.from(data), Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
