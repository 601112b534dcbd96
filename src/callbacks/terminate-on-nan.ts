/** Stop training when the loss becomes NaN or infinite, as Keras' and fastai's `TerminateOnNaN`. */
import { Callback } from '../core/callback.js';
import { CancelTrainError } from '../core/cancel.js';

/** Options of `TerminateOnNaNCallback`. */
export type TerminateOnNaNCallbackOptions = {
  /** Where the message goes (default `console.error`). */
  log?: (line: string) => void;
};

/** Where a non-finite loss appeared. */
export type NonFiniteLoss = {
  /** The epoch (0-based). */
  epoch: number;
  /** The batch in that epoch (0-based). */
  iter: number;
  /** Training batches done in the fit before it. */
  nIter: number;
  /** The loss: NaN or ±Infinity. */
  loss: number;
};

/**
 * `new TerminateOnNaNCallback()`: checks every training batch's loss and, when it is NaN or
 * ±Infinity, logs a message naming the epoch and iteration and stops the fit with
 * `CancelTrainError` — so `afterCancelTrain`/`afterFit` still run (recorder flushed, progress bars
 * closed, plots possible) and `fit` returns normally; `cb.terminatedAt` then says where it happened.
 * The check runs in `afterBackward`, before the optimizer step, so the weights keep their last
 * finite values.
 *
 * Device reads: one `await loss.data()` per training batch — the check needs the value each batch.
 */
export class TerminateOnNaNCallback extends Callback {
  override readonly watchesLoss = true;
  /** Where the loss became non-finite in the last fit, or null. */
  terminatedAt: NonFiniteLoss | null = null;
  private readonly log: (line: string) => void;

  constructor(opts: TerminateOnNaNCallbackOptions = {}) {
    super();
    this.log = opts.log ?? ((l) => console.error(l));
  }

  override beginFit(): void {
    this.terminatedAt = null;
  }

  override async afterBackward(): Promise<void> {
    const loss = (await this.run.loss.data())[0];
    if (Number.isFinite(loss)) return;
    const { epoch, iter, nIter } = this.run;
    this.terminatedAt = { epoch, iter, nIter, loss };
    const msg = `TerminateOnNaNCallback: training loss is ${loss} at epoch ${epoch}, iteration ${iter} (training batch ${nIter} of the fit); stopping before this batch's step`;
    this.log(msg);
    throw new CancelTrainError(msg);
  }
}
