/**
 * The demo's Vite set-up: the page is served cross-origin isolated (the two headers below), so
 * tfai's wasm backend runs on all cores. `tfai` here is this repository's browser build
 * (`dist/browser/`, what the package's `browser` condition names); a project that installed tfai
 * needs no alias, only the headers.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const dist = fileURLToPath(new URL('../../dist/browser/', import.meta.url));
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^tfai$/, replacement: `${dist}index.js` },
      { find: /^tfai\/(io|backend|plot|data)$/, replacement: `${dist}$1.js` },
    ],
  },
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 4173 },
  build: { outDir: fileURLToPath(new URL('../../out/browser-demo/', import.meta.url)), emptyOutDir: true, target: 'es2022' },
});
