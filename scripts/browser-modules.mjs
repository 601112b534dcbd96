/**
 * The browser build's one rule, as an esbuild plugin: a source module `x.ts` that has a sibling
 * `x.browser.ts` is replaced by that sibling wherever it is imported (`./x.js`). Everything else is
 * the same code as the Node build. tsup uses it for `dist/browser/`; the browser tests and the
 * browser bench use it to bundle source files for a page.
 *
 * The siblings (listed in ARCHITECTURE.md, "Node and the browser") export the same names with the
 * same types as the Node module they replace (test/platform/browser-modules.test.ts checks it).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The `.browser.ts` sibling of the module `spec` imported from `importer`, or undefined. */
export function browserSibling(spec, importer) {
  if (!spec.startsWith('.') || !importer) return undefined;
  const target = resolve(dirname(importer), spec).replace(/\.(js|ts)$/, '');
  const sibling = `${target}.browser.ts`;
  return existsSync(sibling) ? sibling : undefined;
}

/** The esbuild plugin: resolves relative imports to their `.browser.ts` sibling where one exists. */
export function browserModules() {
  return {
    name: 'tfai-browser-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.importer.includes('/node_modules/')) return undefined;
        const sibling = browserSibling(args.path, args.importer);
        if (!sibling || sibling === args.importer) return undefined;
        return { path: sibling };
      });
    },
  };
}
