/**
 * The current backend's hard memory ceiling, as the training loop sees it: a backend that has one
 * (wasm: wasm32 addresses at most 4 GiB, see wasm/memory-guard.ts) offers a check that a training
 * step fits it, measured on small probe steps; other backends have none and the loop skips the
 * check. The loop asks here and never names a backend.
 */
import { tf } from './tf.js';
import { PROBE_SIZES, assertStepFits, estimateStepMemory, type StepMemoryEstimate } from './wasm/memory-guard.js';

/** How to check that a training step fits the backend's memory ceiling. */
export interface MemoryCeiling {
  /** The sample counts of the probe steps, smallest first: a batch no larger than the last is not checked. */
  readonly probeSizes: readonly number[];
  /**
   * Estimates a step's peak memory at `batch` from probe steps (`probe(n)` runs forward and
   * backward on `n` samples and disposes what it makes), plus `extraFixed` bytes.
   */
  estimate(probe: (n: number) => void, batch: number, extraFixed: number): Promise<StepMemoryEstimate>;
  /** Throws an error naming `what`, the batch, the need and the way out when `est` does not fit. */
  assertFits(what: string, est: StepMemoryEstimate): void;
}

const WASM_CEILING: MemoryCeiling = { probeSizes: PROBE_SIZES, estimate: estimateStepMemory, assertFits: assertStepFits };

/** The current backend's memory ceiling, or undefined when it has none worth checking before a fit. */
export function memoryCeiling(): MemoryCeiling | undefined {
  return tf.getBackend() === 'wasm' ? WASM_CEILING : undefined;
}
