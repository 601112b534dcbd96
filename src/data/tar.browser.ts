/** The page's `tar.ts`: unpacking an archive writes files, which a page has none of. */
import type * as NodeTar from './tar.js';
import { noFileSystem } from '../platform/no-file-system.js';

export type { ExtractTarOptions } from './tar.js';
export { memberPath } from './tar-member.js';

export const extractTarGz: typeof NodeTar.extractTarGz = async (_source, dest) => {
  throw noFileSystem('extractTarGz', dest);
};
