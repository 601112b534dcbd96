/**
 * File paths: Node's `path`. In a browser build `path.browser.ts` takes this module's place (POSIX
 * rules, for the paths that appear in messages and in-page names).
 */
export { basename, dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
