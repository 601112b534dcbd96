/**
 * Hyperparameter schedules: functions of the fraction of training done (`pos` in [0, 1]), as in the
 * course's `sched_lin`, `sched_cos`, `sched_no`, `sched_exp` and `combine_scheds`. One-cycle and
 * SGDR are built from `combineScheds`, so there is one mechanism.
 */
import { checkInt } from '../validate.js';

/** A schedule: position in training (0 … 1) to a hyperparameter value. */
export type Sched = (pos: number) => number;

/** Linear from `a` to `b`. */
export function schedLin(a: number, b: number): Sched {
  return (pos) => a + pos * (b - a);
}

/** Cosine from `a` (pos 0) to `b` (pos 1). */
export function schedCos(a: number, b: number): Sched {
  return (pos) => a + ((1 + Math.cos(Math.PI * (1 - pos))) * (b - a)) / 2;
}

/** Constant `a` (the `b` argument is ignored, as in the course). */
export function schedNo(a: number, _b?: number): Sched {
  return () => a;
}

/** Exponential from `a` to `b`: `a·(b/a)^pos` (both must be > 0). */
export function schedExp(a: number, b: number): Sched {
  if (!(a > 0 && b > 0)) throw new RangeError(`schedExp: a and b must be > 0, got a=${a}, b=${b}`);
  return (pos) => a * (b / a) ** pos;
}

/**
 * Phases: `pcts[i]` of training follows `scheds[i]`, each with its position rescaled to 0 … 1.
 * `pcts` must be positive and sum to 1; there must be one schedule per phase.
 */
export function combineScheds(pcts: number[], scheds: Sched[]): Sched {
  if (pcts.length === 0 || pcts.length !== scheds.length) {
    throw new RangeError(`combineScheds: need one schedule per phase, got ${pcts.length} pcts and ${scheds.length} schedules`);
  }
  pcts.forEach((p, i) => {
    if (!(p > 0) || !Number.isFinite(p)) throw new RangeError(`combineScheds: pcts[${i}] must be > 0, got ${p}`);
  });
  const total = pcts.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`combineScheds: pcts must sum to 1, got ${total} ([${pcts.join(', ')}])`);
  const edges = [0];
  for (const p of pcts) edges.push(edges[edges.length - 1] + p);
  edges[edges.length - 1] = 1;
  return (pos) => {
    let i = 0;
    while (i < pcts.length - 1 && pos >= edges[i + 1]) i++;
    return scheds[i]((pos - edges[i]) / (edges[i + 1] - edges[i]));
  };
}

/**
 * One-cycle: cosine warm-up from `start` to `high` over the first `pctStart` of training, then
 * cosine annealing from `high` to `end` (fastai's `fit_one_cycle` shape). For momentum, pass
 * e.g. `cosOneCycle(0.95, 0.85, 0.95)`.
 */
export function cosOneCycle(start: number, high: number, end: number, pctStart = 0.3): Sched {
  if (!(pctStart > 0 && pctStart < 1)) throw new RangeError(`cosOneCycle: pctStart must be in (0, 1), got ${pctStart}`);
  return combineScheds([pctStart, 1 - pctStart], [schedCos(start, high), schedCos(high, end)]);
}

/** Options of `sgdr`. */
export type SGDROptions = {
  /** Number of cycles. */
  nCycle: number;
  /** Epochs of the first cycle (default 1). */
  cycleLen?: number;
  /** Each cycle is this many times longer than the one before (default 1). */
  cycleMult?: number;
  /** The lr at the start of every cycle. */
  lrMax: number;
  /** The lr at the end of every cycle (default 0). */
  lrMin?: number;
};

/**
 * SGDR (cosine annealing with warm restarts) with the epoch count of the old fastai
 * `fit(lr, n_cycle, cycle_len, cycle_mult)`: cycle i lasts `cycleLen·cycleMult^i` epochs and
 * anneals from `lrMax` to `lrMin`. Returns the schedule and the number of epochs to fit for.
 */
export function sgdr(opts: SGDROptions): {
  /** The schedule over the whole fit. */
  sched: Sched;
  /** The epochs its cycles take (fit for this many). */
  epochs: number;
} {
  const { nCycle, cycleLen = 1, cycleMult = 1, lrMax, lrMin = 0 } = opts;
  checkInt('sgdr', 'nCycle', nCycle);
  checkInt('sgdr', 'cycleLen', cycleLen);
  checkInt('sgdr', 'cycleMult', cycleMult);
  const lens = Array.from({ length: nCycle }, (_, i) => cycleLen * cycleMult ** i);
  const epochs = lens.reduce((a, b) => a + b, 0);
  return { sched: combineScheds(lens.map((l) => l / epochs), lens.map(() => schedCos(lrMax, lrMin))), epochs };
}
