/**
 * One fit at a time per learner and per runner. Two fits of one learner at once would interleave
 * optimizer steps on the same weights (and one runner holds one fit's batch state), so the second
 * is refused at once, before it changes anything.
 */
const runnersInFit = new WeakSet<object>();
const learnersInFit = new WeakSet<object>();

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
