import type { Plugin } from 'esbuild';

/** The `.browser.ts` sibling of the module `spec` imported from `importer`, or undefined. */
export function browserSibling(spec: string, importer: string): string | undefined;
/** The esbuild plugin: resolves relative imports to their `.browser.ts` sibling where one exists. */
export function browserModules(): Plugin;
