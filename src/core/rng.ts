/**
 * One seeded pseudo-random source for the whole framework: weight init, samplers, dropout and
 * augmentation all draw from it, so `setSeed(n)` makes a run reproducible. Its state can be saved
 * and restored (checkpoints use this for an exact resume).
 */
import seedrandom from 'seedrandom';

type Prng = ReturnType<typeof seedrandom.alea>;

/** Opaque, JSON-serialisable state of the global generator. */
export type RngState = { seed: number; alea: object };

let currentSeed = Date.now() % 2 ** 31;
let prng: Prng = seedrandom.alea(String(currentSeed), { state: true });

/** Seed the global generator: every later init, shuffle, dropout mask and augmentation follows. */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`setSeed: seed must be a finite number, got ${seed}`);
  currentSeed = seed;
  prng = seedrandom.alea(String(seed), { state: true });
}

/** The seed last given to `setSeed` (or the time-based one chosen at start-up). */
export function getSeed(): number {
  return currentSeed;
}

/** A uniform float in [0, 1) from the global generator. */
export function random(): number {
  return prng();
}

/** A uniform integer in [0, n). */
export function randInt(n: number): number {
  return Math.floor(prng() * n);
}

/**
 * A fresh integer seed for a TF.js op that takes one (`tf.randomNormal(..., seed)`), drawn from the
 * global generator so those ops are reproducible too.
 */
export function nextSeed(): number {
  return Math.floor(prng() * 2 ** 31);
}

/** A seeded permutation of `0 … n-1` (Fisher–Yates) as an Int32Array. */
export function permutation(n: number, rand: () => number = random): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
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

/** Snapshot of the global generator, for checkpoints. */
export function getRngState(): RngState {
  return { seed: currentSeed, alea: prng.state() };
}

/** Restore a snapshot taken with `getRngState`. */
export function setRngState(state: RngState): void {
  currentSeed = state.seed;
  prng = seedrandom.alea('', { state: state.alea as seedrandom.State.Alea });
}
