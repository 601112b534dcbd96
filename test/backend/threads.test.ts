import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveThreadCount, WASM_MAX_THREADS, logicalCores, xnnpackThreads } from '../../src/backend/wasm/threads.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/thread-losses.ts', import.meta.url));

type ChildResult = { line: string; threads: number; losses: number[]; choices?: { split: number; serial: number; trial: number } };

async function trainWith(threads: number, split: 'all' | 'measured' = 'all'): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
    cwd: repo,
    env: { ...process.env, TFAI_THREADS: String(threads), TFAI_TEST_SPLIT: split },
    timeout: 110_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

describe('wasm threads', () => {
  const saved = process.env.TFAI_THREADS;
  const savedXnn = process.env.TFAI_XNNPACK_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.TFAI_THREADS;
    else process.env.TFAI_THREADS = saved;
    if (savedXnn === undefined) delete process.env.TFAI_XNNPACK_THREADS;
    else process.env.TFAI_XNNPACK_THREADS = savedXnn;
  });

  it("XNNPACK's own pool gets 1 thread unless TFAI_XNNPACK_THREADS says otherwise (at most the total)", () => {
    delete process.env.TFAI_XNNPACK_THREADS;
    expect(xnnpackThreads(4)).toBe(1);
    process.env.TFAI_XNNPACK_THREADS = '2';
    expect(xnnpackThreads(4)).toBe(2);
    expect(xnnpackThreads(1)).toBe(1);
    process.env.TFAI_XNNPACK_THREADS = '-1';
    expect(() => xnnpackThreads(4)).toThrow(/TFAI_XNNPACK_THREADS must be a positive integer, got '-1'/);
  });

  it('resolves the thread count from the option, then TFAI_THREADS, then all cores (at most 8)', () => {
    delete process.env.TFAI_THREADS;
    expect(resolveThreadCount()).toBe(Math.min(logicalCores(), WASM_MAX_THREADS));
    process.env.TFAI_THREADS = '3';
    expect(resolveThreadCount()).toBe(3);
    expect(resolveThreadCount(1)).toBe(1);
    process.env.TFAI_THREADS = '64';
    expect(resolveThreadCount()).toBe(WASM_MAX_THREADS);
    process.env.TFAI_THREADS = ' ';
    expect(resolveThreadCount()).toBe(Math.min(logicalCores(), WASM_MAX_THREADS));
  });

  it('rejects a thread count that is not a positive integer, naming where it came from', () => {
    process.env.TFAI_THREADS = 'many';
    expect(() => resolveThreadCount()).toThrow(/TFAI_THREADS must be a positive integer, got 'many'/);
    process.env.TFAI_THREADS = '0';
    expect(() => resolveThreadCount()).toThrow(/TFAI_THREADS/);
    expect(() => resolveThreadCount(2.5)).toThrow(/threads must be a positive integer, got 2.5/);
    expect(() => resolveThreadCount(0)).toThrow(RangeError);
  });

  it('training on 1 and on 2 threads gives the same losses (to 1e-5), and the log says how many threads run', async () => {
    const [one, two] = await Promise.all([trainWith(1), trainWith(2)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(one.line).toMatch(/backend wasm \(1 thread\)/);
    expect(two.line).toMatch(/backend wasm \(2 threads\)/);
    expect(two.losses).toHaveLength(one.losses.length);
    expect(one.losses.length).toBeGreaterThan(4);
    one.losses.forEach((l, i) => {
      expect(Number.isFinite(l)).toBe(true);
      expect(Math.abs(two.losses[i]! - l)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(l)));
    });
  });

  it('splitting each call or not, as measured per call site, gives the same losses to the bit as splitting every call', async () => {
    const all = await trainWith(2, 'all');
    const measured = await trainWith(2, 'measured');
    expect(measured.threads).toBe(2);
    const c = measured.choices!;
    // every call site was timed: most decided (each takes 8 calls), some ran serial during their trial at least
    expect(c.split + c.serial + c.trial).toBeGreaterThan(20);
    expect(c.split + c.serial).toBeGreaterThan(0);
    expect(measured.losses).toEqual(all.losses);
  });
});
