/**
 * One seeded pseudo-random source for the whole framework: weight init, samplers, dropout and
 * augmentation all draw from it, so `setSeed(n)` makes a run reproducible. Its state can be saved
 * and restored (checkpoints use this for an exact resume).
 *
 * Streams: a fit draws from its own copy of the generator (`forkRngStream` when it starts,
 * `withRngStream` around everything it does, `joinRngStream` when it ends). Inside `withRngStream`
 * every function of this module — `random`, `nextSeed`, `setSeed`, `getRngState`, … — acts on the
 * stream, including in work the fit awaits (callbacks, loaders, checkpoint writes), so two fits
 * running at once in one process do not take numbers from each other: each draws what it would
 * have drawn alone. Outside any stream they act on the global generator. The stream is carried by
 * an `AsyncContext` (`platform/`): Node's `AsyncLocalStorage`, which follows promises and timers;
 * in a page, the fit's stream is current from its start to its end.
 */
import { createAsyncContext } from '../platform/async-context.js';
import seedrandom from 'seedrandom';

type Prng = ReturnType<typeof seedrandom.alea>;

/** Opaque, JSON-serialisable state of the global generator. */
export type RngState = { seed: number; alea: object };

/** A generator with the seed it started from (the global one, or a fit's own stream). */
export type RngStream = { seed: number; prng: Prng };

const startSeed = Date.now() % 2 ** 31;
const globalStream: RngStream = { seed: startSeed, prng: seedrandom.alea(String(startSeed), { state: true }) };
const streams = createAsyncContext<RngStream>();

/** The generator in effect here: the stream of the fit this code runs in, else the global one. */
function current(): RngStream {
  return streams.get() ?? globalStream;
}

/** Seed the current generator: every later init, shuffle, dropout mask and augmentation follows. */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`setSeed: seed must be a finite number, got ${seed}`);
  const s = current();
  s.seed = seed;
  s.prng = seedrandom.alea(String(seed), { state: true });
}

/** The seed last given to `setSeed` (or the time-based one chosen at start-up). */
export function getSeed(): number {
  return current().seed;
}

/** A uniform float in [0, 1) from the current generator. */
export function random(): number {
  return current().prng();
}

/** A uniform integer in [0, n). */
export function randInt(n: number): number {
  return Math.floor(current().prng() * n);
}

/**
 * A fresh integer seed for a TF.js op that takes one (`tf.randomNormal(..., seed)`), drawn from the
 * current generator so those ops are reproducible too.
 */
export function nextSeed(): number {
  return Math.floor(current().prng() * 2 ** 31);
}

/** A seeded permutation of `0 … n-1` (Fisher–Yates) as an Int32Array. */
export function permutation(n: number, rand: () => number = random): Int32Array {
  const draw = rand === random ? current().prng : rand;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** A new independent generator seeded from `seed` (for components that own their stream). */
export function makeRng(seed: number): () => number {
  return seedrandom.alea(String(seed));
}

/** Snapshot of the current generator, for checkpoints. */
export function getRngState(): RngState {
  const s = current();
  return { seed: s.seed, alea: s.prng.state() };
}

/** Restore a snapshot taken with `getRngState` into the current generator. */
export function setRngState(state: RngState): void {
  const s = current();
  s.seed = state.seed;
  s.prng = seedrandom.alea('', { state: state.alea as seedrandom.State.Alea });
}

/** A copy of the current generator (same seed, same position), to give a fit its own stream. */
export function forkRngStream(): RngStream {
  const s = current();
  return { seed: s.seed, prng: seedrandom.alea('', { state: s.prng.state() }) };
}

/** Run `fn` with `stream` as the current generator for everything it does, awaited work included. */
export function withRngStream<T>(stream: RngStream, fn: () => Promise<T>): Promise<T> {
  return streams.run(stream, fn);
}

/**
 * Continue the current generator from where `stream` stands (when a fit ends, so a script that
 * fits, then builds or fits again, draws the same numbers as if the fit had used the global one).
 */
export function joinRngStream(stream: RngStream): void {
  const s = current();
  s.seed = stream.seed;
  s.prng = seedrandom.alea('', { state: stream.prng.state() });
}
