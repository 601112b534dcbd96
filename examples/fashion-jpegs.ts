/**
 * Fashion-MNIST written out as a folder of JPEG files of varied sizes — the layout of a folder of
 * your own photos (`<dir>/train/<class>/*.jpg`, `<dir>/valid/<class>/*.jpg`) — for the
 * `fashion-folder` example and the image bench. Each 28×28 garment is stretched to a random width
 * and height in `[minSide, maxSide]` and, with `colour`, tinted with a random colour. A finished
 * folder is reused (a `done.json` in it records how it was made).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeImage, loadFashionMnistArrays, makeRng } from '../src/data/index.js';

/** How `writeFashionJpegs` makes the folder. */
export interface FashionJpegsOptions {
  /** Images per split (the first N of each; default all: 60,000 and 10,000). */
  subset?: number;
  /** Splits to write (default both). */
  splits?: readonly ('train' | 'valid')[];
  /** Smallest side in pixels (default 28). */
  minSide?: number;
  /** Largest side in pixels (default 112). */
  maxSide?: number;
  /** Tint each image with a random colour (default false: grey, as the originals). */
  colour?: boolean;
  /** JPEG quality (default 95). */
  quality?: number;
  /** Seed of the sizes and colours (default 0). */
  seed?: number;
  /** Progress messages (default none). */
  log?: (msg: string) => void;
}

/** A class name as a folder name (`T-shirt/top` → `T-shirt-top`). */
export const classFolder = (name: string): string => name.replace(/\//g, '-');

/** Write (or reuse) the folder; resolves to the number of images per split. */
export async function writeFashionJpegs(dir: string, opts: FashionJpegsOptions = {}): Promise<Record<string, number>> {
  const spec = { subset: opts.subset ?? 0, splits: opts.splits ?? ['train', 'valid'], minSide: opts.minSide ?? 28, maxSide: opts.maxSide ?? 112, colour: opts.colour ?? false, quality: opts.quality ?? 95, seed: opts.seed ?? 0 };
  const done = join(dir, 'done.json');
  if (existsSync(done)) {
    const made = JSON.parse(readFileSync(done, 'utf8')) as { spec: typeof spec; counts: Record<string, number> };
    if (JSON.stringify(made.spec) === JSON.stringify(spec)) return made.counts;
    throw new Error(`${dir} holds a Fashion-MNIST folder made differently (${JSON.stringify(made.spec)}); remove it or choose another folder`);
  }
  const arr = await loadFashionMnistArrays({ subset: spec.subset || undefined, download: false });
  const rand = makeRng(spec.seed);
  const counts: Record<string, number> = {};
  for (const split of spec.splits) {
    const { images, labels } = split === 'train' ? arr.train : arr.test;
    for (const c of arr.classes) mkdirSync(join(dir, split, classFolder(c)), { recursive: true });
    const t0 = performance.now();
    for (let i = 0; i < labels.length; i++) {
      const side = (): number => spec.minSide + Math.floor(rand() * (spec.maxSide - spec.minSide + 1));
      const [w, h] = [side(), side()];
      const grey = images.subarray(i * 784, (i + 1) * 784);
      let px: Uint8Array = grey;
      if (spec.colour) {
        const tint = [0, 1, 2].map(() => 0.25 + 0.75 * rand());
        px = new Uint8Array(784 * 3);
        for (let p = 0; p < 784; p++) for (let k = 0; k < 3; k++) px[p * 3 + k] = Math.round(grey[p] * tint[k]);
      }
      const file = join(dir, split, classFolder(arr.classes[labels[i]]), `${String(i).padStart(5, '0')}.jpg`);
      writeFileSync(file, encodeImage(px, 28, 28, { format: 'jpeg', quality: spec.quality, resizeTo: [w, h] }));
      // the native encoder's buffers are freed when the event loop turns: let it, or memory grows
      if ((i + 1) % 100 === 0) await new Promise((r) => setImmediate(r));
      if ((i + 1) % 10000 === 0) opts.log?.(`  ${split}: ${i + 1} of ${labels.length} written (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    counts[split] = labels.length;
  }
  writeFileSync(done, JSON.stringify({ spec, counts }));
  return counts;
}
