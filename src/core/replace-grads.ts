/** The one way callbacks swap the batch's gradients (clipping, accumulation) without leaking tensors. */
import type { tf } from '../backend/tf.js';

/**
 * Put `grads` in `run.grads` and dispose the tensors they replace (the runner disposes what is
 * there at the end of the batch).
 */
export function replaceGrads(run: { grads: tf.NamedTensorMap }, grads: tf.NamedTensorMap): void {
  const old = run.grads;
  run.grads = grads;
  const kept = new Set(Object.values(grads));
  for (const t of Object.values(old)) if (!kept.has(t) && !t.isDisposed) t.dispose();
}
