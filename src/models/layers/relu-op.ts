/**
 * ReLU whose backward pass reads its OUTPUT: `dx = dy · [y > 0]`. TF.js's `Relu` gradient keeps
 * the input alive until the backward pass; in a conv → BN → ReLU → conv chain that input (the
 * BatchNorm output) is kept by nothing else, while the output is kept anyway as the next conv's
 * input. Saving the output instead drops one full activation per ReLU from a training step's
 * memory — what PyTorch gets from `ReLU(inplace=True)` (ResNet-18 at batch 32 on wasm: see the
 * README's memory notes). The gradient is identical: `y > 0` exactly where `x > 0`, and a NaN
 * input gives a NaN output and gradient either way.
 */
import { tf } from '../../backend/tf.js';
import { fusedKernelsReady, reluGradFused } from '../../backend/fused-ops.js';

const reluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const y = tf.relu(x);
  save([y]);
  return {
    value: y,
    // one kernel on wasm (split across its threads), the same bits as the two tf ops
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (fusedKernelsReady() ? reluGradFused(saved[0]!, dy) : tf.mul(dy, tf.step(saved[0]!))),
  };
});

/** `max(x, 0)`, keeping only its output for the backward pass (float32; other dtypes: `tf.relu`). */
export function relu<T extends tf.Tensor>(x: T): T {
  return (x.dtype === 'float32' ? reluOp(x) : tf.relu(x)) as T;
}
