/**
 * One fit at a time per learner and per runner. Two fits of one learner at once would interleave
 * optimizer steps on the same weights (and one runner holds one fit's batch state), so the second
 * is refused at once, before it changes anything.
 */
import { createAsyncContext } from '../platform/async-context.js';

const runnersInFit = new WeakSet<object>();
const learnersInFit = new WeakSet<object>();
/** The learner of the fit whose work (loop, callbacks, awaited calls) runs here. */
const fitContext = createAsyncContext<object>();

/** Run `fn` as the fit of `learner`: work it starts knows it is part of that fit (see `inOtherFit`). */
export function runAsFitOf<T>(learner: object, fn: () => Promise<T>): Promise<T> {
  return fitContext.run(learner, fn);
}

/**
 * Whether `learner` is being trained by a fit and the caller is not part of that fit (not one of
 * its callbacks): what changes the weights under the optimizer (`learn.load`) refuses then.
 */
export function inOtherFit(learner: object): boolean {
  return learnersInFit.has(learner) && fitContext.get() !== learner;
}

/**
 * Mark `runner` and `learner` as in a fit; returns the release (call it in `finally`).
 * @throws Error when either is already in a fit that has not finished.
 */
export function claimFit(runner: object, learner: object): () => void {
  if (runnersInFit.has(runner)) {
    throw new Error('Runner.fit: this runner is already running a fit that has not finished; await it before starting another, or use a second Runner (with its own Learner)');
  }
  if (learnersInFit.has(learner)) {
    throw new Error('Runner.fit: this learner is already being trained by another fit that has not finished; a learner can be in one fit at a time — await the first fit, or give the second its own Learner (and model)');
  }
  runnersInFit.add(runner);
  learnersInFit.add(learner);
  return () => {
    runnersInFit.delete(runner);
    learnersInFit.delete(learner);
  };
}
