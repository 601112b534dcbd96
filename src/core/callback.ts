/** The base class of every callback, and what a callback sees of the runner. */
import type { Subject } from 'rxjs';
import type { JsonValue, RunPosition } from '../io/checkpoint-types.js';
import type { RunnerEvent } from './events.js';
import type { FitControl } from './fit-control.js';
import type { LoopState } from './loop-state.js';
import type { StatefulCallback } from './stateful-callback.js';

/** A handler's result: nothing, or a promise the runner awaits. */
export type HandlerResult = void | Promise<void>;

/**
 * The runner a callback belongs to (`this.run`), as callbacks see it: the loop's state
 * (`LoopState`: `xb`, `yb`, `pred`, `loss`, `epoch`, …), the callbacks, the fit's control and its
 * event stream. `Runner` implements it.
 */
export interface CallbackRunner extends LoopState {
  /** Every event, published after the callbacks of that event ran. */
  readonly events$: Subject<RunnerEvent>;
  /** Position, stop requests and resume (what checkpoints read). */
  readonly control: FitControl;
  /** The callbacks, sorted by `order` (stable). */
  readonly cbs: Callback[];
  /** Add callbacks (kept sorted by `order`). */
  addCbs(cbs: Callback[]): void;
  /** Remove callbacks. */
  removeCbs(cbs: Callback[]): void;
  /** The first callback of class `cls`, or an error naming it. */
  cb<C extends Callback>(cls: abstract new (...args: never[]) => C): C;
  /** Where the fit stands, as "the next batch to run". */
  readonly position: RunPosition;
  /** Ask the fit to stop after the current batch, as the first Ctrl-C does. */
  requestInterrupt(): void;
}

/**
 * A callback: override any lifecycle method (`beginFit`, `beginEpoch`, `beginBatch`, `afterPred`,
 * `afterLoss`, `afterBackward`, `afterStep`, `afterBatch`, `beginValidate`, `afterEpoch`,
 * `afterCancelBatch`, `afterCancelEpoch`, `afterCancelTrain`, `afterFit`). Callbacks run sorted
 * by `order` (then insertion order); `this.run` is the runner, whose state (`xb`, `yb`, `pred`,
 * `loss`, `epoch`, `iter`, `inTrain`, …) they may read and change.
 *
 * `afterPred` and `afterLoss` of a training batch run inside the gradient tape: to change
 * `run.pred` or `run.loss` there, the handler must be synchronous (a returned promise is awaited
 * after the backward pass).
 */
export abstract class Callback implements StatefulCallback {
  /** Position in the callback list: lower runs first (default 0; `TrainEvalCallback` is -10). */
  order = 0;
  /** The runner this callback belongs to (set by the runner before `beginFit`). */
  run!: CallbackRunner;

  /** At the start of `fit`, before the first epoch (reset per-fit state here). */
  beginFit?(): HandlerResult;
  /** At the start of each epoch, before its training batches. */
  beginEpoch?(): HandlerResult;
  /** Before each batch's forward pass (training and validation); `run.xb` / `run.yb` may be replaced here. */
  beginBatch?(): HandlerResult;
  /** After the forward pass: `run.pred` is set (synchronous in training, see the class comment). */
  afterPred?(): HandlerResult;
  /** After the loss: `run.loss` is set (synchronous in training, see the class comment). */
  afterLoss?(): HandlerResult;
  /** After the backward pass of a training batch: `run.grads` is set; throw `CancelStepError` to skip the step. */
  afterBackward?(): HandlerResult;
  /** After the optimizer step of a training batch. */
  afterStep?(): HandlerResult;
  /** After a handler of this batch threw `CancelBatchError` (then `afterBatch` runs). */
  afterCancelBatch?(): HandlerResult;
  /** At the end of every batch, training or validation (also after a cancelled one). */
  afterBatch?(): HandlerResult;
  /** After the epoch's training batches, before its validation batches. */
  beginValidate?(): HandlerResult;
  /** After a handler of this epoch threw `CancelEpochError` (then `afterEpoch` runs). */
  afterCancelEpoch?(): HandlerResult;
  /** At the end of each epoch, after validation: `run.epochMetrics` is complete for callbacks ordered after the ones that measure. */
  afterEpoch?(): HandlerResult;
  /** After a handler threw `CancelTrainError` (then `afterFit` runs). */
  afterCancelTrain?(): HandlerResult;
  /** At the end of `fit`, whether it completed, was cancelled or failed. */
  afterFit?(): HandlerResult;

  /**
   * The names this callback writes into `run.epochMetrics` after each epoch (e.g. `valid_loss`),
   * declared up front so that a monitor naming an unknown metric fails at `beginFit`.
   */
  epochMetricNames?(): string[];

  /**
   * The numbers accumulated so far in the current phase of the epoch, by epoch-metric name
   * (`train_loss`, `train_accuracy`, … while training; `valid_…` while validating), read from the
   * device asynchronously. For live displays: `ProgressCallback` calls it at most once per redraw
   * (every `throttleMs`), never per batch.
   */
  runningMetrics?(): Promise<Record<string, number>>;

  /**
   * True for a callback that displays the epoch's metrics itself (a progress table): callbacks that
   * print the course's `train: [...]` lines by default then stay quiet.
   */
  readonly displaysMetrics?: boolean;

  /**
   * True for a callback that reads every training loss and acts on a non-finite one itself
   * (`TerminateOnNaNCallback` stops, `LRFinder` ends its sweep): the runner's own one-time warning
   * about a NaN / ±Infinity training loss is then off.
   */
  readonly watchesLoss?: boolean;

  /**
   * The state checkpoints keep (JSON; may be async, e.g. to read device sums). A callback that
   * implements `getState` and `setState` is saved by `CheckpointCallback` and restored on resume.
   */
  getState?(): JsonValue | Promise<JsonValue>;

  /**
   * Throw (naming what is wrong: `history must be an array, got 5`) when `state` — read from a
   * checkpoint's `state.json`, so possibly damaged or edited by hand — is not one `setState` can
   * restore. Called when a fit resumes, before anything of the learner, the callbacks or the files
   * changes, so a bad state refuses the resume cleanly. A callback with `getState`/`setState` should
   * have it; without it, a `setState` that fails is reported naming the callback, but only after the
   * weights were loaded.
   */
  checkState?(state: JsonValue): void;

  /**
   * Restore what `getState` returned (checked by `checkState` first). Called when a fit resumes,
   * after the resumed epoch's `beginFit` and `beginEpoch` ran (so their resets are done);
   * `run.position` is the resumed position.
   */
  setState?(state: JsonValue): void;

  /** Name used in logs: the class name. */
  get name(): string {
    return this.constructor.name;
  }
}
