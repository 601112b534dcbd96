/** The error of a file operation in a web page (used by the browser's platform modules). */

/** What a page uses instead of files. */
const INSTEAD =
  "a web page has no file system: in a browser, save weights with learn.save('indexeddb://<name>') or learn.save('downloads://<name>'), " +
  'and read data from URLs, Blobs and Files (docs/browser.md)';

/** The error of the file operation `op` on `path` in a page (`code` `ENOSYS`). */
export function noFileSystem(op: string, path?: unknown): Error {
  const where = typeof path === 'string' ? ` '${path}'` : path instanceof URL ? ` '${path.href}'` : '';
  return Object.assign(new Error(`${op}${where}: ${INSTEAD}`), { code: 'ENOSYS' });
}
