/**
 * The file system, as tfai's modules use it: Node's `fs` (promises and the few synchronous calls).
 * In a browser build `fs.browser.ts` takes this module's place: there every call fails with an
 * error that names the operation and the path and says what a page does instead.
 */
export { access, appendFile, link, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
export { createReadStream, createWriteStream, existsSync, readFileSync, statSync, unlinkSync, type Dirent, type WriteStream } from 'node:fs';
