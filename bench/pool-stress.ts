/**
 * Stress run of tfai's wasm kernel pool under heap growth and CPU load (a check, not a benchmark:
 * it reports failures, not speed). Each step holds a little more memory, so that the wasm heap keeps
 * growing between and right before pool calls, then runs Conv2DBackpropFilter (its input padded by
 * `pad_nhwc`, the pool's bulk-memory kernel) on an odd batch with every call split across the pool.
 * Optional busy processes beside it deschedule the pool's threads at arbitrary points.
 *
 *   npx tsx bench/pool-stress.ts [--threads 2] [--steps 2000] [--hogs 2]
 *
 * Prints the calls that failed (with the first error), the heap grows, and how often a pool worker
 * found its view of the memory older than a call's and refreshed it (see src/backend/wasm/pool.ts).
 * Exit code 1 when any step failed. The deterministic form of the race it looks for is
 * test/backend/pool-memory-growth.test.ts (gdb suite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tf, initBackend } from '../src/index.js';
import { poolFor, setParallelThreshold } from '../src/backend/wasm/pool.js';
import { simdFor, wasmInternals } from '../src/backend/wasm/internals.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : dflt;
};
const THREADS = opt('--threads', 2);
const STEPS = opt('--steps', 2000);
const HOGS = opt('--hogs', 0);

await initBackend('wasm', { threads: THREADS, log: (l) => console.log(l) });
setParallelThreshold(0);
const be = wasmInternals(tf.backend());
const kernels = be && simdFor(be);
if (!be || !kernels) throw new Error('pool-stress: needs the wasm backend with SIMD');
const memory = kernels.memory;
const pool = poolFor(kernels);
if (!pool) throw new Error(`pool-stress: no kernel pool on ${THREADS} thread(s) (pass --threads 2 or more)`);

const hogs: ChildProcess[] = Array.from({ length: HOGS }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const batches = [1, 3, 5, 7, 31, 96, 97, 2];
const held: tf.Tensor[] = [];
let heldBytes = 0;
let grows = 0;
let failures = 0;
let firstError: string | undefined;
try {
  for (let i = 0; i < STEPS; i++) {
    const n = batches[i % batches.length]!;
    if (heldBytes > 1.5e9) {
      tf.dispose(held.splice(0)); // the heap keeps its size: grows resume once past it
      heldBytes = 0;
    }
    const before = memory.buffer.byteLength;
    const filler = tf.zeros([((i * 7919) % 1_000_000) + 1000]); // may grow the heap right before the calls
    held.push(filler);
    heldBytes += filler.size * 4;
    try {
      tf.tidy(() => {
        const x = tf.randomNormal([n, 13, 11, 8]);
        const dy = tf.randomNormal([n, 7, 6, 16]);
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], filterShape: [3, 3, 8, 16] });
      });
    } catch (e) {
      failures++;
      firstError ??= `step ${i} (batch ${n}): ${(e as Error).message}`;
    }
    if (memory.buffer.byteLength > before) grows++;
  }
} finally {
  for (const h of hogs) h.kill();
  tf.dispose(held);
}
console.log(
  `pool-stress: ${STEPS} steps on ${THREADS} threads beside ${HOGS} busy process(es): ${failures} failed${firstError ? ` (first: ${firstError})` : ''}; ` +
    `the heap grew during ${grows} steps, to ${(memory.buffer.byteLength / 2 ** 20).toFixed(0)} MiB; workers refreshed a stale view ${pool.refreshed} time(s)`,
);
process.exit(failures ? 1 : 0);
