/** The course's `CudaCallback`, for TF.js. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { chosenBackend, gpuStatus, initBackend, onAccelerator } from '../backend/init-backend.js';

/** Options of `CudaCallback`. */
export type CudaCallbackOptions = {
  /** Where the line goes (default `console.log`). */
  log?: (line: string) => void;
};

/**
 * In PyTorch this moves the model and each batch to the GPU. In TF.js a tensor lives on the active
 * backend, so this callback makes sure the fastest backend is active (`initBackend('auto')` when
 * none was chosen yet), says once whether training runs on a GPU (naming the adapter) or on the CPU
 * (saying why no GPU was used),
 * and brings each batch onto the device as float32 inputs / int32 class targets (host-side
 * integer images, e.g. uint8-like int32 pixels, are cast there).
 */
export class CudaCallback extends Callback {
  override order = -5;
  private readonly log: (line: string) => void;
  private said = false;

  constructor(opts: CudaCallbackOptions = {}) {
    super();
    this.log = opts.log ?? ((l) => console.log(l));
  }

  override async beginFit(): Promise<void> {
    if (chosenBackend() === null) await initBackend('auto', { log: this.log });
    if (!this.said) {
      this.said = true;
      this.log(onAccelerator() ? `CudaCallback: training on the ${gpuStatus()}` : `CudaCallback: training on the CPU with ${tf.getBackend()} — ${gpuStatus()}`);
    }
  }

  override beginBatch(): void {
    const xb = this.run.xb;
    if (xb.dtype !== 'float32') {
      this.run.xb = tf.cast(xb, 'float32');
      xb.dispose();
    }
  }
}
