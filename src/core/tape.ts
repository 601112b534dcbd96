/**
 * `variableGrads` that does not leak when the forward pass fails. TF.js 4.22 keeps a copy of every
 * tensor the backward pass will need on its gradient tape and frees them only after a successful
 * backward pass; when the function throws (a shape error in the model, a loss that returns a
 * number) or returns something `variableGrads` refuses, those copies are never freed (9–15 tensors
 * per failed step of a small convnet). This frees them.
 */
import { tf } from '../backend/tf.js';

/** The part of TF.js's engine state that holds the tape (internal to tfjs-core 4.x). */
type TapeState = { gradientDepth?: number; activeTape?: { saved?: tf.Tensor[] }[] | null };

/**
 * `tf.variableGrads(f, vars)`; if it throws, the tape's saved tensors are freed before the error
 * is rethrown.
 */
export function variableGradsOrFree(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, vars);
  } catch (e) {
    freeAbandonedTape();
    throw e;
  }
}

function freeAbandonedTape(): void {
  const state = (tf.engine() as unknown as { state?: TapeState }).state;
  if (!state || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  state.activeTape = null;
}
