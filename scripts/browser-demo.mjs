#!/usr/bin/env node
/**
 * `npm run browser`: the demo page (examples/browser) on Vite's dev server, cross-origin isolated
 * (so tfai's wasm backend runs on all cores). Builds tfai's browser build first when the sources
 * are newer than it. `npm run browser -- --build` writes the page to out/browser-demo instead, and
 * `-- --preview` serves that build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const newest = (dir) => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
const built = join(root, 'dist/browser/index.js');
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), statSync(join(root, 'tsup.config.ts')).mtimeMs)) {
  console.log('building tfai (dist/browser is older than the sources) …');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
const { build, createServer, preview } = await import('vite');
const configFile = join(root, 'examples/browser/vite.config.ts');
if (process.argv.includes('--build')) {
  await build({ configFile });
} else if (process.argv.includes('--preview')) {
  const server = await preview({ configFile });
  server.printUrls();
} else {
  const server = await createServer({ configFile });
  await server.listen();
  server.printUrls();
  console.log('  cross-origin isolated (COOP/COEP): the wasm backend runs on all cores');
}
