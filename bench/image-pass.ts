/**
 * One measured pass of tfai's image pipeline (a child process of bench/images.ts): the training
 * images of `--dir` (a fromFolder layout) read, decoded in `--workers` threads, resized to
 * `--size` with a random crop and flip (`Resize` + `FlipItem`), batched to float tensors. Prints one
 * JSON line: images per second (timed from the first batch to the last, so worker start-up is not
 * counted, as for torchvision), CPU milliseconds per image, and the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend, ImageDataBunch, Resize, FlipItem, tf } from '../src/index.js';

const { values: a } = parseArgs({ options: { dir: { type: 'string' }, workers: { type: 'string' }, size: { type: 'string' }, bs: { type: 'string' } } });
await initBackend('wasm', { log: () => {} });
const size = Number(a.size ?? 128);
const data = await ImageDataBunch.fromFolder(a.dir!, { itemTfms: [new Resize(size), new FlipItem()], bs: Number(a.bs ?? 64), workers: Number(a.workers ?? 1) });
let n = 0;
let t0 = 0;
let c0 = process.cpuUsage();
let first = 0;
for await (const [x, y] of data.trainDl) {
  if (t0 === 0) {
    t0 = performance.now();
    c0 = process.cpuUsage();
    first = x.shape[0];
  } else n += x.shape[0];
  tf.dispose([x, y]);
}
const secs = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
data.dispose();
/**
 * Peak RSS in MB: the kernel's high-water mark of this process's memory (`VmHWM`). Not
 * `resourceUsage().maxRSS`, which after fork and exec starts from the parent's peak.
 */
function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
console.log(JSON.stringify({ images: n + first, imgPerSec: n / secs, cpuMsPerImg: (cpu.user + cpu.system) / 1000 / n, peakRssMb: peakRssMb() }));
