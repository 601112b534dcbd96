/**
 * Stop-gradient helpers: `noGrad(fn)` is PyTorch's `with torch.no_grad():` and `detach(x)` is
 * `x.detach()`. TF.js records every op run inside `tf.grad` / `tf.variableGrads` (as in the
 * Runner's training step) on its tape; these run ops off the tape, so their results are constants
 * to backprop — gradients do not flow through them and nothing is kept for the backward pass.
 */
import { tf } from '../backend/tf.js';

/**
 * Run `fn` with gradient recording paused and return its result: the notebooks' `with
 * torch.no_grad():` around statistics updates inside a forward pass, e.g.
 *
 * ```ts
 * noGrad(() => this.means.assign(lerp(this.means, x.mean([0, 1, 2]), this.mom)));
 * ```
 * Tensors made inside are ordinary tensors (owned by the caller or the enclosing `tf.tidy`) that
 * carry no gradient. Calls nest. Gradients cannot be taken inside (`tf.grad` there finds no path,
 * as `torch.autograd.grad` does under `no_grad`).
 *
 * How: TF.js does not record ops that run inside a kernel (it tracks that depth in
 * `tf.engine().state.kernelDepth`); `noGrad` raises that depth for the duration of `fn`.
 * @throws TypeError if `fn` returns a promise: the pause covers synchronous code only.
 */
export function noGrad<T>(fn: () => T): T {
  const state = tf.engine().state;
  state.kernelDepth++;
  let out: T;
  try {
    out = fn();
  } finally {
    state.kernelDepth--;
  }
  if (out instanceof Promise || (typeof out === 'object' && out !== null && typeof (out as { then?: unknown }).then === 'function')) {
    throw new TypeError('noGrad: fn returned a promise; only synchronous code can run without gradient recording — await outside and pass a synchronous function');
  }
  return out;
}

/**
 * `x` as a constant: a new tensor with the same values (sharing its storage, as `tf.clone` does)
 * through which no gradient flows back — PyTorch's `x.detach()`. The caller owns the result.
 * @throws TypeError if `x` is not a tensor.
 */
export function detach<T extends tf.Tensor>(x: T): T {
  if (!(x instanceof tf.Tensor)) throw new TypeError(`detach: expected a tensor, got ${x === null ? 'null' : typeof x}`);
  return noGrad(() => tf.clone(x));
}
