/**
 * `npm run bench:images [-- --quick] [-- --n 10000] [-- --rounds 3] [-- --workers 1,2] [-- --no-torch] [-- --no-rss] [-- --no-train]`
 *
 * The image pipeline against torchvision, on photo-sized JPEGs the bench writes once
 * (`out/bench-images/`: Fashion-MNIST's garments stretched to 150–500 px and tinted, quality 95):
 *
 * - images per second of a full pass — read, decode, resize to 128 with a random crop and flip,
 *   batch to floats (bs 64) — by tfai (`ImageDataBunch.fromFolder`, `Resize(128)` + `FlipItem`,
 *   decoding in N worker threads) and by torchvision (`ImageFolder` + `DataLoader(num_workers=N)`,
 *   `Resize(128)`, `RandomCrop(128)`, `RandomHorizontalFlip`, `ToTensor`, /usr/bin/python3 with the
 *   allocator tuned), for N = 1 and 2, each pass a fresh process, alternated A B A B and the order
 *   reversed every round; timed from the first batch to the last, so start-up is not counted;
 * - CPU milliseconds per image (all threads / processes) and peak RSS (torchvision: the main
 *   process plus each worker's);
 * - tfai's peak RSS over 10,000 and 50,000 images (memory must not grow with the dataset);
 * - the share of a training step spent waiting on data (bench/image-train.ts: the narrow ResNet
 *   at 64 px with augTransforms, from the folder).
 *
 * Writes bench/images-results.json and prints Markdown tables. Timings on a shared machine
 * scatter: read the ranges and the ratios of alternated runs.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFashionJpegs } from '../examples/fashion-jpegs.js';
import { median, range } from './stats.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const { values: argv } = parseArgs({
  options: { quick: { type: 'boolean' }, n: { type: 'string' }, rounds: { type: 'string' }, workers: { type: 'string' }, 'no-torch': { type: 'boolean' }, 'no-rss': { type: 'boolean' }, 'no-train': { type: 'boolean' } },
});
const quick = argv.quick ?? false;
const n = Number(argv.n ?? (quick ? 2000 : 10000));
const rounds = Number(argv.rounds ?? (quick ? 1 : 3));
const workerCounts = (argv.workers ?? '1,2').split(',').map(Number);
const TORCH_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' };

interface Pass {
  imgPerSec: number;
  cpuMsPerImg: number;
  peakRssMb: number;
  images: number;
}

const folder = async (count: number): Promise<string> => {
  const dir = `${repo}out/bench-images/photos-${count}`;
  const t0 = performance.now();
  await writeFashionJpegs(dir, { subset: count, minSide: 150, maxSide: 500, colour: true, log: console.log });
  console.log(`${dir}: ready (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return dir;
};

const last = (stdout: string): string => stdout.trim().split('\n').at(-1)!;

async function tfaiPass(dir: string, workers: number): Promise<Pass> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `${here}image-pass.ts`, '--dir', dir, '--workers', String(workers)], { cwd: repo, maxBuffer: 1 << 24 });
  return JSON.parse(last(stdout)) as Pass;
}

async function torchPass(dir: string, workers: number): Promise<Pass> {
  const { stdout } = await run('/usr/bin/python3', [`${here}torch_images.py`, '--dir', dir, '--workers', String(workers)], { env: { ...process.env, ...TORCH_ENV }, maxBuffer: 1 << 24 });
  return JSON.parse(last(stdout)) as Pass;
}

async function torchMissing(): Promise<string | null> {
  if (argv['no-torch']) return '--no-torch';
  try {
    await run('/usr/bin/python3', ['-c', 'import torch, torchvision'], { env: { ...process.env, ...TORCH_ENV } });
    return null;
  } catch {
    return 'torch or torchvision is not installed for /usr/bin/python3';
  }
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  console.log(`bench:images — ${n} JPEGs, ${rounds} round(s), workers ${workerCounts.join(', ')}; ${os.availableParallelism()} cores, load ${load()}`);
  const dir = await folder(n);
  const noTorch = await torchMissing();
  if (noTorch) console.log(`torchvision not measured: ${noTorch}`);
  const impls = workerCounts.flatMap((w) => [{ key: `tfai${w}`, w, torch: false }, ...(noTorch ? [] : [{ key: `torch${w}`, w, torch: true }])]);
  const res: Record<string, Pass[]> = Object.fromEntries(impls.map((i) => [i.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 === 0 ? impls : [...impls].reverse()) {
      const p = i.torch ? await torchPass(dir, i.w) : await tfaiPass(dir, i.w);
      res[i.key].push(p);
      console.log(`  round ${r + 1}: ${i.key.padEnd(7)} ${p.imgPerSec.toFixed(0).padStart(5)} img/s, ${p.cpuMsPerImg.toFixed(2)} CPU ms/img, peak RSS ${p.peakRssMb.toFixed(0)} MB (load ${load()})`);
    }
  }
  const med = (k: string, f: (p: Pass) => number): number => median(res[k].map(f));
  console.log(`\n| workers | tfai img/s | torchvision img/s | tfai / torchvision | CPU ms/img tfai / torchvision | peak RSS MB tfai / torchvision |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const w of workerCounts) {
    const t = res[`tfai${w}`];
    const p = res[`torch${w}`];
    const ratios = p ? t.map((x, i) => x.imgPerSec / p[i].imgPerSec) : [];
    console.log(`| ${w} | ${med(`tfai${w}`, (x) => x.imgPerSec).toFixed(0)} (${range(t.map((x) => x.imgPerSec), 0)}) | ${p ? `${med(`torch${w}`, (x) => x.imgPerSec).toFixed(0)} (${range(p.map((x) => x.imgPerSec), 0)})` : '–'} | ${p ? `${median(ratios).toFixed(2)}× (${range(ratios)})` : '–'} | ${med(`tfai${w}`, (x) => x.cpuMsPerImg).toFixed(2)} / ${p ? med(`torch${w}`, (x) => x.cpuMsPerImg).toFixed(2) : '–'} | ${med(`tfai${w}`, (x) => x.peakRssMb).toFixed(0)} / ${p ? med(`torch${w}`, (x) => x.peakRssMb).toFixed(0) : '–'} |`);
  }
  const out: Record<string, unknown> = { n, rounds, cores: os.availableParallelism(), passes: res };
  if (!quick && !argv['no-rss']) {
    const big = await folder(5 * n);
    const w = workerCounts.at(-1)!;
    const small = median(res[`tfai${w}`].map((x) => x.peakRssMb));
    const large = await tfaiPass(big, w);
    out.rss = { [n]: small, [5 * n]: large.peakRssMb };
    console.log(`\ntfai peak RSS, ${w} workers: ${small.toFixed(0)} MB over ${n} images, ${large.peakRssMb.toFixed(0)} MB over ${5 * n} (${large.imgPerSec.toFixed(0)} img/s)`);
  }
  if (!argv['no-train']) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', `${here}image-train.ts`, '--dir', dir, '--steps', quick ? '6' : '20'], { cwd: repo, maxBuffer: 1 << 24 });
    const t = JSON.parse(last(stdout)) as { waitShare: number; waitMs: number; stepMs: number; batches: number; decoder: string; backend: string };
    out.train = t;
    console.log(`\ntraining the narrow ResNet at 64 px from the folder (${t.backend}, decoding in ${t.decoder}): waits on data ${(100 * t.waitShare).toFixed(1)}% of the step (median wait ${t.waitMs.toFixed(1)} ms, step ${t.stepMs.toFixed(0)} ms, ${t.batches} batches)`);
  }
  writeFileSync(`${here}images-results.json`, JSON.stringify(out, null, 2));
  console.log(`\nload at the end ${load()}; results in bench/images-results.json`);
}

await main();
