/**
 * Whether a kernel call is split across tfai's thread pool or runs on the calling thread: decided
 * per call site (kernel, units, work) from the call's own measured time, so that a second thread
 * never makes a model slower than one.
 *
 * A split pays when the call's work outweighs what the split costs: waking a worker (60–150 µs on
 * a 2-core VM), its caches, and — on a busy machine — waiting for a worker the OS descheduled in
 * the middle of its share. That cost depends on the machine and its load, not only on the call:
 * inside the course convnet's bs-32 step on a loaded 2-core VM, a 1e6-multiply-add convolution took
 * 107 µs on one thread and 333 µs (median) split, so no fixed threshold is right everywhere.
 *
 * - below `minWork` (≈ 50 µs of work on one core) a call never splits;
 * - from `alwaysWork` (≈ 1.5 ms) it always does: a wake-up is a few percent of it, and the split
 *   is what makes the ResNets ≈ 1.8× faster on two threads;
 * - in between, each site is timed both ways: a trial alternates split and serial runs until each
 *   way has `SAMPLES` times (the first run of each way, cold, is not kept); then the site takes the
 *   faster way (split only when at least `SPLIT_MARGIN` faster: it also occupies another core) and
 *   keeps checking the other way now and then — after 16 calls, then after twice as many each
 *   time the answer stands, at most every `MAX_INTERVAL` calls, back to 16 when it changes — so a
 *   change of load is followed within seconds.
 *
 * The choice never changes a result: a pooled kernel's units are independent and each writes its
 * own part of the output, so serial and split runs give the same bits.
 */

/** Times kept per site and way (the estimate is the mean without the slowest of them). */
const SAMPLES = 3;
/** A split must be this much faster than the serial run to be chosen. */
const SPLIT_MARGIN = 0.05;
/** Calls between checks of the way not taken: from `MIN_INTERVAL`, doubling while the answer stands. */
const MIN_INTERVAL = 16;
const MAX_INTERVAL = 1024;
/** Sites kept before the table is cleared (shapes that change every batch would grow it without end). */
const MAX_SITES = 4096;

/** One call site's measurements and choice (opaque outside this file). */
export interface SplitSite {
  /** Recent times (ms) of serial runs and of split runs, oldest first. */
  readonly times: [number[], number[]];
  /** Runs of each way so far (the first of each is a warm-up, not kept). */
  readonly runs: [number, number];
  /** The current choice (undefined during the trial). */
  split: boolean | undefined;
  /** Calls until the way not taken is run again. */
  untilCheck: number;
  /** The current gap between such runs. */
  interval: number;
}

/** The estimate of a way's time: the mean of its kept times without the slowest. */
function estimate(times: readonly number[]): number {
  let sum = 0;
  let max = -Infinity;
  for (const t of times) {
    sum += t;
    if (t > max) max = t;
  }
  return (sum - max) / (times.length - 1);
}

/** A decision for one call: whether to split, and the site to report its time to (when measured). */
export interface SplitDecision {
  /** Run the call split across the pool. */
  readonly split: boolean;
  /** The site measuring this call, to pass to `report`; undefined when the work alone decides. */
  readonly site: SplitSite | undefined;
}

const NEVER: SplitDecision = { split: false, site: undefined };
const ALWAYS: SplitDecision = { split: true, site: undefined };

/** Per-site split decisions from measured call times (see the file comment). */
export class SplitPolicy {
  private readonly sites = new Map<string, SplitSite>();

  /**
   * @param minWork work below which a call never splits
   * @param alwaysWork work from which a call always splits
   */
  constructor(
    readonly minWork: number,
    readonly alwaysWork: number,
  ) {}

  /** How to run a call of kernel `name` over `units` units of `work` in all (its site). */
  decide(name: string, units: number, work: number): SplitDecision {
    if (work < this.minWork) return NEVER;
    if (work >= this.alwaysWork) return ALWAYS;
    const key = `${name} ${units} ${work}`;
    let site = this.sites.get(key);
    if (!site) {
      if (this.sites.size >= MAX_SITES) this.sites.clear();
      site = { times: [[], []], runs: [0, 0], split: undefined, untilCheck: 0, interval: MIN_INTERVAL };
      this.sites.set(key, site);
    }
    // the trial: the way with fewer runs (split first); then the choice, and now and then the other way
    if (site.split === undefined) return { split: site.runs[1] <= site.runs[0], site };
    if (--site.untilCheck <= 0) return { split: !site.split, site };
    return { split: site.split, site };
  }

  /** Records the time (ms) a measured call took, split or not, and updates the site's choice. */
  report(site: SplitSite, split: boolean, ms: number): void {
    const way = split ? 1 : 0;
    if (site.runs[way]++ === 0) return; // the first run of each way is a warm-up
    const times = site.times[way];
    times.push(ms);
    if (times.length > SAMPLES) times.shift();
    if (site.times[0].length < SAMPLES || site.times[1].length < SAMPLES) return;
    const faster = estimate(site.times[1]) < (1 - SPLIT_MARGIN) * estimate(site.times[0]);
    if (site.split === undefined || faster !== site.split) {
      // end of the trial, or the answer changed: check the other way again soon
      site.interval = MIN_INTERVAL;
      site.untilCheck = MIN_INTERVAL;
    } else if (split !== site.split) {
      // a check of the way not taken confirmed the choice: check less often
      site.interval = Math.min(MAX_INTERVAL, 2 * site.interval);
      site.untilCheck = site.interval;
    }
    site.split = faster;
  }

  /** The current choice at a site: true (split), false (serial), undefined (not decided yet, or not measured). */
  choice(name: string, units: number, work: number): boolean | undefined {
    return this.sites.get(`${name} ${units} ${work}`)?.split;
  }

  /** How many sites are still in their trial (timing both ways before a first choice). */
  trials(): number {
    let n = 0;
    for (const s of this.sites.values()) if (s.split === undefined) n++;
    return n;
  }

  /** Every measured site: its key (`kernel units work`), choice and current estimates (ms). */
  summary(): Array<{ site: string; split: boolean | undefined; serialMs: number; splitMs: number }> {
    return [...this.sites].map(([site, s]) => ({
      site,
      split: s.split,
      serialMs: s.times[0].length > 1 ? estimate(s.times[0]) : NaN,
      splitMs: s.times[1].length > 1 ? estimate(s.times[1]) : NaN,
    }));
  }

  /** Forgets every site's measurements. */
  clear(): void {
    this.sites.clear();
  }
}
