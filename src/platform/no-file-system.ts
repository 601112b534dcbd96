/** The error of a file operation where a page keeps no files (no IndexedDB: a sandboxed frame, a private mode that refuses it). */

/** The error of the file operation `op` on `path` where files cannot be kept (`code` `ENOSYS`). */
export function noFileSystem(op: string, path?: unknown): Error {
  const where = typeof path === 'string' ? ` '${path}'` : path instanceof URL ? ` '${path.href}'` : '';
  return Object.assign(
    new Error(`${op}${where}: this page cannot keep files (tfai keeps a page's files in IndexedDB, which is not available here); read data from URLs, Blobs and Files instead (docs/browser.md)`),
    { code: 'ENOSYS' },
  );
}
