/**
 * Before the first training step on a backend with a hard memory ceiling (`memoryCeiling()`: the
 * wasm backend's 4 GiB), check that a step fits it: probe steps on a few samples of the batch
 * measure the memory per sample, and a batch that cannot fit fails at once with an error naming
 * the model, the batch size and the estimated need, instead of minutes later with "memory access
 * out of bounds". The probes leave no trace: the model's buffers (BatchNorm statistics) and the
 * global RNG are restored, no optimizer step is taken, and forward hooks (activation statistics)
 * do not see the probes.
 */
import { tf } from '../backend/tf.js';
import { memoryCeiling } from '../backend/memory-ceiling.js';
import { getRngState, setRngState } from './rng.js';
import { variableGradsOrFree } from './tape.js';
import type { Learner } from './learner.js';

/**
 * Throws the backend's memory error when a training step of `learn` on a batch like `xb` cannot
 * fit the backend's memory ceiling. A model that cannot run on the probes' few samples (it needs
 * the full batch) is not checked.
 */
export async function checkStepMemory(learn: Learner, xb: tf.Tensor, yb: tf.Tensor): Promise<void> {
  const ceiling = memoryCeiling();
  const batch = xb.shape[0] ?? 0;
  const model = learn.model as Learner['model'] & { buffers?: () => tf.Variable[]; withoutHooks?: <T>(fn: () => T) => T };
  if (!ceiling || batch <= ceiling.probeSizes.at(-1)! || typeof model.buffers !== 'function') return;
  const buffers = model.buffers();
  const saved = buffers.map((b) => tf.clone(b));
  const rng = getRngState();
  const vars = learn.trainableVars;
  const step = (n: number): void =>
    tf.tidy(() => {
      const x = tf.slice(xb, 0, n);
      const y = tf.slice(yb, 0, n);
      const { value, grads } = variableGradsOrFree(() => learn.lossFunc(model.forward(x), y), vars); // as the runner's step
      tf.dispose([value, ...Object.values(grads)]);
    });
  const probe = (n: number): void => (model.withoutHooks ? model.withoutHooks(() => step(n)) : step(n));
  // optimizer state (momentum, Adam's moments) is made at the first step: allow two per weight
  const weightBytes = vars.reduce((s, v) => s + v.size * 4, 0);
  let est;
  try {
    est = await ceiling.estimate(probe, batch, 2 * weightBytes);
  } catch {
    return; // the model does not run on a few samples: nothing to estimate from
  } finally {
    buffers.forEach((b, i) => b.assign(saved[i]!));
    tf.dispose(saved);
    setRngState(rng);
  }
  const params = vars.reduce((s, v) => s + v.size, 0);
  ceiling.assertFits(`${model.constructor.name || 'the model'} (${(params / 1e6).toFixed(1)}M parameters)`, est);
}
