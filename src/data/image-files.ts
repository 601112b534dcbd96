/**
 * Finding image files on disk (Node): every `.jpg`/`.jpeg`/`.png`/`.webp` under a folder, in sorted
 * order, following symbolic links to folders and files (a link back to a folder the walk is inside
 * is not entered, so link cycles end). Nothing is dropped silently: a broken link is an error naming
 * it, and files in image formats tfai does not decode (GIF, BMP, TIFF, HEIC…) are returned as
 * `ignored` for the caller to report.
 */
import type { Dirent } from '../platform/fs.js';
import { readdir, realpath, stat } from '../platform/fs.js';
import { extname, join } from '../platform/path.js';
import { describeFsError } from '../io/fs-errors.js';

/** File extensions the image pipeline reads (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

/** Image extensions that are not decoded: such files are reported, not silently passed over. */
const OTHER_IMAGE_EXTENSIONS = ['.gif', '.bmp', '.tif', '.tiff', '.heic', '.heif', '.avif', '.jxl', '.ico'];

/** What `listImageFiles` found. */
export interface ImageFileList {
  /** Image paths (joined onto the folder given), sorted. */
  files: string[];
  /** Files with an image extension tfai does not decode (see `IMAGE_EXTENSIONS`). */
  ignored: string[];
}

/** A directory entry resolved through a symbolic link: folder, file, or neither. */
export async function entryKind(dir: string, d: Dirent, who: string): Promise<'dir' | 'file' | 'other'> {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (!d.isSymbolicLink()) return 'other';
  const p = join(dir, d.name);
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    throw new Error(`${who}: ${p} is a symbolic link that cannot be followed: ${describeFsError(e)}`, { cause: e });
  }
}

/** The entries of a folder, or an error naming it. */
export async function readFolder(dir: string, who: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${who}: cannot read folder ${dir}: ${describeFsError(e)}`, { cause: e });
  }
}

/**
 * Every image file under `dir` (and its sub-folders when `recursive`, default true), sorted by path.
 * @throws Error naming the folder that cannot be read or the link that cannot be followed.
 */
export async function listImageFiles(dir: string, who: string, opts: { recursive?: boolean } = {}): Promise<ImageFileList> {
  const recursive = opts.recursive ?? true;
  const out: ImageFileList = { files: [], ignored: [] };
  const inside = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d).catch(() => d);
    if (inside.has(real)) return; // a link back to a folder this walk is inside: a cycle
    inside.add(real);
    const entries = (await readFolder(d, who)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const kind = await entryKind(d, e, who);
      const p = join(d, e.name);
      if (kind === 'dir') {
        if (recursive) await walk(p);
      } else if (kind === 'file') {
        const ext = extname(e.name).toLowerCase();
        if (IMAGE_EXTENSIONS.includes(ext)) out.files.push(p);
        else if (OTHER_IMAGE_EXTENSIONS.includes(ext)) out.ignored.push(p);
      }
    }
    inside.delete(real);
  };
  await walk(dir);
  return out;
}

/** The sub-folders of `dir` (following links), sorted by name. */
export async function listFolders(dir: string, who: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readFolder(dir, who)) if ((await entryKind(dir, e, who)) === 'dir') out.push(e.name);
  return out.sort();
}

/** Warn once about files in formats tfai does not decode (they are not part of the dataset). */
export function reportIgnored(who: string, ignored: readonly string[]): void {
  if (ignored.length === 0) return;
  const exts = [...new Set(ignored.map((p) => extname(p).toLowerCase()))].join(', ');
  const shown = ignored.slice(0, 3).join(', ');
  console.warn(`tfai: ${who}: left out ${ignored.length} file${ignored.length > 1 ? 's' : ''} in formats tfai does not decode (${exts}): ${shown}${ignored.length > 3 ? ', …' : ''}; convert them to JPEG, PNG or WebP to use them`);
}
