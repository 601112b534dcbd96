/**
 * The runner's watch for tensors that are never freed. TF.js tensors are freed by hand, which a
 * fastai or Keras user does not expect: a callback that makes a tensor every batch and keeps it
 * grows memory without a word until the process dies. After every epoch the runner notes
 * `tf.memory().numTensors`; when the count grew in two epochs in a row, counting from the end of
 * the first (whose allocations — optimizer state made at the first step, running sums, buffers
 * created lazily — are expected), it logs one warning with the growth per epoch and the callbacks
 * present. Memory that is held for a while and then freed (statistics stacked every N batches and
 * copied to the host) does not grow epoch after epoch, so it does not warn.
 */
import { tf } from '../backend/tf.js';

/** See the file comment. One per runner; `begin()` at every fit. */
export class TensorCountWatch {
  private counts: { epoch: number; tensors: number; bytes: number }[] = [];
  private warned = false;

  constructor(private readonly log: (line: string) => void) {}

  /** A new fit. */
  begin(): void {
    this.counts = [];
    this.warned = false;
  }

  /** Epoch `epoch` ended (its `afterEpoch` callbacks ran); `callbacks` names the runner's callbacks. */
  epochEnd(epoch: number, callbacks: string[]): void {
    const m = tf.memory();
    this.counts.push({ epoch, tensors: m.numTensors, bytes: m.numBytes });
    const n = this.counts.length;
    if (this.warned || n < 3) return;
    const [a, b, c] = this.counts.slice(n - 3);
    const g1 = b.tensors - a.tensors;
    const g2 = c.tensors - b.tensors;
    if (g1 <= 0 || g2 <= 0) return;
    this.warned = true;
    const mb = (n: number): string => (Math.abs(n) < 1024 ? `${n} B` : Math.abs(n) < 2 ** 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 2 ** 20).toFixed(1)} MB`);
    this.log(
      `tfai: warning: tensors are leaking: tf.memory().numTensors grew by ${g1} (${mb(b.bytes - a.bytes)}) in epoch ${b.epoch} and by ${g2} (${mb(c.bytes - b.bytes)}) in epoch ${c.epoch} (0-based), now ${c.tensors} tensors. ` +
        `Something makes tensors every batch and keeps them — most often a callback (this fit's: ${callbacks.join(', ')}), else the loss, a metric or the model. ` +
        'TF.js frees tensors only by hand: wrap per-batch work in tf.tidy(() => …), dispose() what you keep, or copy numbers to the host. (Shown once per fit.)',
    );
  }
}
