/**
 * The default split decision of tfai's kernel pool: never below the measured range, always above
 * it, and in between the way each call site has been timed to run faster, re-checked now and then.
 */
import { describe, expect, it } from 'vitest';
import { SplitPolicy } from '../../src/backend/wasm/split-policy.js';

/** Runs `calls` calls of one site, each taking `time(split)` ms; the ways the policy chose, in order. */
function drive(p: SplitPolicy, calls: number, time: (split: boolean) => number, work = 5e6): boolean[] {
  const ways: boolean[] = [];
  for (let i = 0; i < calls; i++) {
    const { split, site } = p.decide('conv', 64, work);
    ways.push(split);
    if (site) p.report(site, split, time(split));
  }
  return ways;
}

describe('SplitPolicy', () => {
  it('never measures below its range, always splits above it', () => {
    const p = new SplitPolicy(1e6, 1e8);
    expect(p.decide('relu', 8, 5e5)).toEqual({ split: false, site: undefined });
    expect(p.decide('relu', 8, 1e8)).toEqual({ split: true, site: undefined });
    expect(p.summary()).toEqual([]);
  });

  it('times both ways (split first, 8 calls), then keeps the faster', () => {
    const p = new SplitPolicy(1e6, 1e8);
    const ways = drive(p, 8, (split) => (split ? 0.06 : 0.1));
    expect(ways).toEqual([true, false, true, false, true, false, true, false]);
    expect(p.choice('conv', 64, 5e6)).toBe(true);
    expect(drive(p, 15, (split) => (split ? 0.06 : 0.1)).every((w) => w)).toBe(true);
    const q = new SplitPolicy(1e6, 1e8);
    drive(q, 8, (split) => (split ? 0.3 : 0.1)); // a busy machine: the split waits for a descheduled worker
    expect(q.choice('conv', 64, 5e6)).toBe(false);
    expect(q.trials()).toBe(0);
  });

  it('splits only when that is clearly faster, and a slow outlier does not decide', () => {
    const p = new SplitPolicy(1e6, 1e8);
    drive(p, 8, (split) => (split ? 0.098 : 0.1)); // 2% faster: not worth the second core
    expect(p.choice('conv', 64, 5e6)).toBe(false);
    const q = new SplitPolicy(1e6, 1e8);
    let n = 0;
    drive(q, 8, (split) => (split ? 0.05 : ++n === 2 ? 0.01 : 0.1)); // one fast serial run among slow ones
    expect(q.choice('conv', 64, 5e6)).toBe(true);
  });

  it('checks the way not taken after 16 calls, then twice as rarely while the answer stands', () => {
    const p = new SplitPolicy(1e6, 1e8);
    drive(p, 8, (split) => (split ? 0.3 : 0.1));
    const ways = drive(p, 16 + 32 + 64, (split) => (split ? 0.3 : 0.1));
    const checks = ways.flatMap((w, i) => (w ? [i + 1] : []));
    expect(checks).toEqual([16, 16 + 32, 16 + 32 + 64]);
  });

  it('follows a change of load: a check that finds the other way faster switches', () => {
    const p = new SplitPolicy(1e6, 1e8);
    drive(p, 8, (split) => (split ? 0.3 : 0.1)); // busy: serial
    expect(p.choice('conv', 64, 5e6)).toBe(false);
    drive(p, 16 * 4, (split) => (split ? 0.05 : 0.1)); // the machine is quiet now
    expect(p.choice('conv', 64, 5e6)).toBe(true);
    drive(p, 16 * 4, (split) => (split ? 0.3 : 0.1)); // and busy again
    expect(p.choice('conv', 64, 5e6)).toBe(false);
  });

  it('keeps one choice per site (kernel, units, work)', () => {
    const p = new SplitPolicy(1e6, 1e8);
    drive(p, 8, (split) => (split ? 0.05 : 0.1), 5e6);
    drive(p, 8, (split) => (split ? 0.3 : 0.1), 2e6);
    expect(p.choice('conv', 64, 5e6)).toBe(true);
    expect(p.choice('conv', 64, 2e6)).toBe(false);
    expect(p.choice('conv', 32, 5e6)).toBeUndefined();
    expect(p.summary().map((s) => [s.site, s.split])).toEqual([['conv 64 5000000', true], ['conv 64 2000000', false]]);
  });
});
