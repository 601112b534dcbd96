/**
 * Control flow for callbacks, as in fastai: throw one of these from any event handler to skip the
 * rest of the batch, of the epoch, or of the whole fit. The runner then emits the matching
 * `afterCancel…` event and carries on with `afterBatch` / `afterEpoch` / `afterFit`.
 */

/** Skip the rest of the current batch (no backward/step if thrown before them). */
export class CancelBatchError extends Error {
  constructor(message = 'batch cancelled') {
    super(message);
    this.name = 'CancelBatchError';
  }
}

/** Skip the rest of the current epoch (its remaining batches, and its validation). */
export class CancelEpochError extends Error {
  constructor(message = 'epoch cancelled') {
    super(message);
    this.name = 'CancelEpochError';
  }
}

/** Stop training: `afterCancelTrain` then `afterFit` run and `fit` returns normally. */
export class CancelTrainError extends Error {
  constructor(message = 'training cancelled') {
    super(message);
    this.name = 'CancelTrainError';
  }
}

/**
 * Skip this training batch's optimizer step (fastai v2's `CancelStepException`): throw it from
 * `afterBackward`. The remaining `afterBackward` handlers, `opt.step` and `afterStep` are skipped;
 * the batch then ends as usual (`afterBatch`). Gradient accumulation uses it.
 */
export class CancelStepError extends Error {
  constructor(message = 'step cancelled') {
    super(message);
    this.name = 'CancelStepError';
  }
}
