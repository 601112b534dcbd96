/**
 * `variableGrads` for the training step: frees memory during the backward pass, and does not leak
 * when the forward pass fails.
 *
 * Memory: TF.js 4.22 keeps every tensor the backward pass needs (each tape node's saved tensors)
 * and every intermediate gradient until the whole backward pass has finished, so a step's peak is
 * all activations plus all their gradients. PyTorch frees each node's saved tensors and incoming
 * gradient as soon as the node's backward has run. Here the tape's gradient functions are wrapped
 * (after the forward pass, before TF.js walks the tape) so that when the backward pass reaches a
 * node, what the previous node needed is released: its saved tensors and the gradients of its
 * outputs — except a tensor that a gradient function returned and that may still be stored as
 * another tensor's gradient (counted per tensor object). On ResNet-18 this cuts the wasm heap's
 * high-water mark substantially (see the README's performance section).
 *
 * Leaks: when the function throws (a shape error in the model, a loss that returns a number) or
 * returns something `variableGrads` refuses, TF.js never frees the tape's saved tensors (9–15
 * tensors per failed step of a small convnet). This frees them.
 */
import { tf } from '../backend/tf.js';

/** A tape node as tfjs-core 4.x records it (internal). */
type TapeNode = {
  outputs?: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
};
/** The part of TF.js's engine state that holds the tape (internal to tfjs-core 4.x). */
type TapeState = { gradientDepth?: number; activeTape?: TapeNode[] | null };

const tapeState = (): TapeState | undefined => (tf.engine() as unknown as { state?: TapeState }).state;

/**
 * `tf.variableGrads(f, vars)` with the backward pass's memory released as it goes (see above); if
 * it throws, the tape's saved tensors are freed before the error is rethrown.
 */
export function variableGradsOrFree(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(() => {
      const y = f();
      releaseAsBackwardGoes();
      return y;
    }, vars);
  } catch (e) {
    freeAbandonedTape();
    throw e;
  }
}

/**
 * Wraps the gradient function of every node on the (outermost) active tape. TF.js calls each
 * node's gradient function once, in reverse tape order, then all its per-input thunks before it
 * moves on; so when a node's gradient function is called, the node before it is done.
 */
function releaseAsBackwardGoes(): void {
  const state = tapeState();
  if (!state || state.gradientDepth !== 1 || !Array.isArray(state.activeTape)) return; // nested gradients: leave them alone
  /** Gradient-thunk results still possibly stored as some tensor's gradient: object → count. */
  const stored = new Map<tf.Tensor, number>();
  let pending: { dys: (tf.Tensor | null)[]; saved: tf.Tensor[] } | undefined;
  let first = true;
  const release = (): void => {
    if (!pending) return;
    for (const dy of pending.dys) {
      if (!dy) continue;
      const n = stored.get(dy);
      if (n !== undefined && n > 1) {
        stored.set(dy, n - 1);
        continue;
      }
      stored.delete(dy);
      dy.dispose();
    }
    for (const t of pending.saved) if (!stored.has(t)) t.dispose();
    pending = undefined;
  };
  for (const node of state.activeTape) {
    const grad = node.gradient;
    if (!grad) continue;
    node.gradient = (dys) => {
      release();
      if (first) {
        // the first node reached gets the seed gradient: count it as stored once, like a thunk's result
        first = false;
        for (const dy of dys) if (dy) stored.set(dy, (stored.get(dy) ?? 0) + 1);
      }
      const thunks = grad(dys);
      pending = { dys, saved: node.saved ?? [] };
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [name, thunk] of Object.entries(thunks)) {
        wrapped[name] = () => {
          const dx = thunk();
          stored.set(dx, (stored.get(dx) ?? 0) + 1);
          return dx;
        };
      }
      return wrapped;
    };
  }
}

function freeAbandonedTape(): void {
  const state = tapeState();
  if (!state || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  state.activeTape = null;
}
