import { describe, expect, it } from 'vitest';
import { schedLin, schedCos, schedExp, schedNo, combineScheds, cosOneCycle, sgdr, type Sched } from '../../src/index.js';
import { ref } from '../helpers/reference.js';

const byName: Record<string, Sched> = {
  'schedLin(0.6,2)': schedLin(0.6, 2),
  'schedCos(0.1,0.9)': schedCos(0.1, 0.9),
  'schedExp(1e-5,10)': schedExp(1e-5, 10),
  'schedNo(0.3,9)': schedNo(0.3, 9),
  'combineScheds([0.3,0.7],[schedLin(0.6,2),schedLin(2,0.1)])': combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]),
  'combineScheds([0.5,0.5],[schedCos(0.4,1.3),schedCos(0.8,0.5)])': combineScheds([0.5, 0.5], [schedCos(0.4, 1.3), schedCos(0.8, 0.5)]),
  'combineScheds([0.2,0.8],[schedCos(0.1,0.9),schedCos(0.9,0.7)])': combineScheds([0.2, 0.8], [schedCos(0.1, 0.9), schedCos(0.9, 0.7)]),
};

describe('schedules match PyTorch/course-v3 reference values', () => {
  const c = ref.cases.schedules;
  it('covers every reference schedule', () => {
    expect(Object.keys(c.values).sort()).toEqual(Object.keys(byName).sort());
  });
  for (const [name, values] of Object.entries(c.values as Record<string, number[]>)) {
    it(name, () => {
      const f = byName[name];
      (c.positions as number[]).forEach((p, i) => expect(f(p)).toBeCloseTo(values[i], 6));
    });
  }
});

describe('combineScheds', () => {
  it('rejects pcts that do not sum to 1, non-positive pcts, and count mismatches', () => {
    expect(() => combineScheds([0.3, 0.6], [schedNo(1), schedNo(2)])).toThrow(/combineScheds: pcts must sum to 1, got 0\.8999\d* \(\[0\.3, 0\.6\]\)/);
    expect(() => combineScheds([1.2, -0.2], [schedNo(1), schedNo(2)])).toThrow('combineScheds: pcts[1] must be > 0, got -0.2');
    expect(() => combineScheds([0.5, 0.5], [schedNo(1)])).toThrow(/one schedule per phase, got 2 pcts and 1 schedules/);
  });
  it('is defined at pos 1 (end of the last phase)', () => {
    expect(combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)])(1)).toBeCloseTo(0.1, 10);
  });
});

describe('cosOneCycle and sgdr', () => {
  it('cosOneCycle starts low, peaks at pctStart, ends at end', () => {
    const f = cosOneCycle(0.1, 1, 0.001, 0.25);
    expect(f(0)).toBeCloseTo(0.1, 10);
    expect(f(0.125)).toBeCloseTo(0.55, 10);
    expect(f(0.25)).toBeCloseTo(1, 10);
    expect(f(0.625)).toBeCloseTo((1 + 0.001) / 2, 10);
    expect(f(1)).toBeCloseTo(0.001, 10);
  });
  it('sgdr(3 cycles, len 1, mult 2) lasts 7 epochs and restarts at 1/7 and 3/7', () => {
    const { sched, epochs } = sgdr({ nCycle: 3, cycleLen: 1, cycleMult: 2, lrMax: 0.5, lrMin: 0.01 });
    expect(epochs).toBe(7);
    expect(sched(0)).toBeCloseTo(0.5, 10);
    expect(sched(1 / 7 - 1e-9)).toBeCloseTo(0.01, 6);
    expect(sched(1 / 7)).toBeCloseTo(0.5, 10);
    expect(sched(2 / 7)).toBeCloseTo(0.255, 6); // middle of the 2-epoch cycle
    expect(sched(3 / 7)).toBeCloseTo(0.5, 10);
    expect(sched(5 / 7)).toBeCloseTo(0.255, 6); // middle of the 4-epoch cycle
    expect(sched(1)).toBeCloseTo(0.01, 10);
  });
  it('rejects bad arguments naming them', () => {
    expect(() => sgdr({ nCycle: 0, lrMax: 1 })).toThrow('sgdr: nCycle must be an integer >= 1, got 0');
    expect(() => cosOneCycle(0.1, 1, 0.1, 1)).toThrow('cosOneCycle: pctStart must be in (0, 1), got 1');
    expect(() => schedExp(0, 1)).toThrow(/schedExp: a and b must be > 0/);
  });
});
