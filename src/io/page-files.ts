/**
 * Getting a file's bytes out as a `Blob` (to upload it, store it elsewhere, or hand it to a
 * download), and handing a file to the browser's downloads. In Node a path is a file on disk; in a
 * page it is one of the page's files (IndexedDB, see `platform/fs.browser.ts`) — where
 * `learn.save(...)`, checkpoints and logs go.
 */
import * as fs from '../platform/fs.js';
import { fsFailure } from './fs-errors.js';
import { offerDownload } from './download-offer.js';

/**
 * The file at `path` as a `Blob` (in a page: one of the page's files).
 * @throws Error naming the path when it cannot be read.
 */
export async function fileBlob(path: string, type = 'application/octet-stream'): Promise<Blob> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw fsFailure('fileBlob: reading', path, e);
  }
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
}

/**
 * Offer the file at `path` as a download, named `name` (default: the file's own name) — in a page;
 * Node has no downloads, and says where the file is.
 * @throws Error naming the path when it cannot be read, or in Node.
 */
export async function downloadFile(path: string, name?: string): Promise<void> {
  const blob = await fileBlob(path);
  offerDownload(blob, name ?? path.split('/').pop() ?? 'download', path);
}
