/**
 * The fit loop, as the course's `Runner`: it owns the callbacks and the event stream, and exposes
 * the current batch state (`xb`, `yb`, `pred`, `loss`, `epoch`, `iter`, …) to callbacks.
 */
import { Subject } from 'rxjs';
import { tf } from '../backend/tf.js';
import { Callback, type CallbackRunner } from './callback.js';
import { LoopState } from './loop-state.js';
import { checkStepMemory } from './step-memory.js';
import { CancelBatchError, CancelEpochError, CancelStepError, CancelTrainError } from './cancel.js';
import type { EventName, RunnerEvent } from './events.js';
import type { Learner } from './learner.js';
import { TrainEvalCallback } from './train-eval.js';
import { checkInt } from './validate.js';
import { checkBatchLabels, checkBatchShapes, checkDatasetLabels } from './batch-checks.js';
import { FitControl } from './fit-control.js';
import { settleHostCopies } from './host-copies.js';
import type { RunPosition } from '../io/checkpoint-types.js';
import { checkLossValue } from './losses.js';
import { variableGradsOrFree } from './tape.js';
import { NonFiniteLossWatch } from './loss-watch.js';
import { TensorCountWatch } from './tensor-watch.js';
import { claimFit, runAsFitOf } from './fit-lock.js';
import { forkRngStream, joinRngStream, withRngStream } from './rng.js';

type CancelClass = new (...args: never[]) => Error;
type Loader = Learner['data']['trainDl'];

/** Options of `Runner`. */
export type RunnerOptions = {
  /** The callbacks (a `TrainEvalCallback` is always added). */
  cbs?: Callback[];
  /**
   * Check every batch's `x` and `y` for NaN / ±Inf before the forward pass and throw naming the
   * batch (default false: the check reads a flag from the device each batch).
   */
  checkInputs?: boolean;
  /**
   * Handle Ctrl-C during `fit` (default true): the first SIGINT stops after the current batch
   * (a `CheckpointCallback` saves a checkpoint), a second exits with code 130. SIGTERM and SIGHUP
   * are handled the same way (a second exits with 143 / 129).
   */
  handleInterrupts?: boolean;
  /** Where the runner's notices (resume, interrupt) go (default `console.log`). */
  log?: (line: string) => void;
};

/** Options of `Runner.fit`. */
export type FitOptions = {
  /**
   * Continue from a checkpoint: a checkpoint directory (its `latest`), one checkpoint folder, or a
   * `latest` / `best` pointer file. Weights, optimizer state, RNG and loader states, the position
   * (epoch, batch) and callback states are restored; the fit then runs to `epochs`.
   */
  resume?: string;
};

/**
 * `new Runner({ cbs })` then `await run.fit(epochs, learn)`. Callbacks run sorted by `order`;
 * after they ran, each event is published on `run.events$` for observers (logging, dashboards).
 * A `TrainEvalCallback` is always present. The runner is only the loop (fastai v2's `Learner.fit`);
 * position, Ctrl-C and resume are `run.control`'s.
 */
export class Runner extends LoopState implements CallbackRunner {
  /** Every event, published after the callbacks of that event ran. */
  readonly events$ = new Subject<RunnerEvent>();
  /** Position, stop requests and resume (what checkpoints read). */
  readonly control: FitControl;
  /** The callbacks, sorted by `order` (stable). */
  cbs: Callback[] = [];

  private checkedFirstBatch = { train: false, valid: false };
  private memoryChecked = false;
  private readonly opts: Required<Omit<RunnerOptions, 'cbs'>>;
  private epochStart = 0;
  private readonly lossWatch: NonFiniteLossWatch;
  private readonly tensorWatch: TensorCountWatch;

  constructor(opts: RunnerOptions = {}) {
    super();
    this.opts = { checkInputs: opts.checkInputs ?? false, handleInterrupts: opts.handleInterrupts ?? true, log: opts.log ?? ((l) => console.log(l)) };
    this.control = new FitControl({ handleInterrupts: this.opts.handleInterrupts, log: this.opts.log });
    this.lossWatch = new NonFiniteLossWatch(this.opts.log);
    this.tensorWatch = new TensorCountWatch(this.opts.log);
    this.addCbs([new TrainEvalCallback(), ...(opts.cbs ?? [])]);
  }

  /** Add callbacks (kept sorted by `order`). */
  addCbs(cbs: Callback[]): void {
    for (const cb of cbs) {
      if (!(cb instanceof Callback)) throw new TypeError(`Runner: callbacks must extend Callback, got ${String(cb)}`);
      cb.run = this;
    }
    this.cbs = [...this.cbs, ...cbs].map((cb, i) => [cb, i] as const).sort((a, b) => a[0].order - b[0].order || a[1] - b[1]).map(([cb]) => cb);
  }

  /** Remove callbacks. */
  removeCbs(cbs: Callback[]): void {
    this.cbs = this.cbs.filter((c) => !cbs.includes(c));
  }

  /** The first callback of class `cls`, or an error naming it. */
  cb<C extends Callback>(cls: abstract new (...args: never[]) => C): C {
    const found = this.cbs.find((c) => c instanceof cls);
    if (!found) throw new Error(`Runner has no ${cls.name} (callbacks: ${this.cbs.map((c) => c.name).join(', ')})`);
    return found as C;
  }

  /** Where the fit stands, as "the next batch to run" (see `FitControl`). */
  get position(): RunPosition {
    return this.control.position;
  }

  /** Ask the fit to stop after the current batch, as the first Ctrl-C does. */
  requestInterrupt(): void {
    this.control.requestStop();
  }

  /**
   * Train `learn` for `epochs` epochs, validating after each. With `{ resume: dir }`, continue
   * from the checkpoint there (checked completely before anything is changed).
   *
   * The fit draws its random numbers (shuffles, dropout masks, augmentation, anything a callback
   * draws) from its own copy of the generator, taken when `fit` is called and handed back to the
   * global generator when it ends: two fits running at once each get what they would get alone.
   * A learner, and a runner, can be in one fit at a time: a second concurrent `fit` is refused.
   */
  async fit(epochs: number, learn: Learner, opts: FitOptions = {}): Promise<void> {
    checkInt('Runner.fit', 'epochs', epochs, 1);
    const release = claimFit(this, learn);
    const stream = forkRngStream();
    try {
      await runAsFitOf(learn, () => withRngStream(stream, () => this.fitInStream(epochs, learn, opts)));
    } finally {
      joinRngStream(stream);
      release();
    }
  }

  private async fitInStream(epochs: number, learn: Learner, opts: FitOptions): Promise<void> {
    await checkDatasetLabels(learn.data, learn.lossFunc);
    this.epochs = epochs;
    this.learn = learn; // before the resume is checked: callbacks' checkState may look at the learner
    const start = await this.control.begin(learn, epochs, opts.resume, this.cbs);
    this.checkedFirstBatch = { train: false, valid: false };
    this.memoryChecked = false;
    this.lossWatch.begin(!this.cbs.some((cb) => cb.watchesLoss));
    this.tensorWatch.begin();
    try {
      await this.withEvents('Fit', CancelTrainError, async () => {
        this.control.applyResume(epochs); // after beginFit: a callback refusing the fit there (a locked directory) finds the learner untouched
        for (let epoch = start.epoch; epoch < epochs; epoch++) {
          this.epoch = epoch;
          this.epochMetrics = { epoch };
          this.epochStart = performance.now();
          await this.withEvents('Epoch', CancelEpochError, () => this.oneEpoch());
          await this.lossWatch.check();
          this.tensorWatch.epochEnd(epoch, this.cbs.map((c) => c.name));
          if (epoch < epochs - 1) this.control.stopIfRequested();
        }
      });
      await this.lossWatch.check();
      await settleHostCopies(); // statistics recorded on the device during the fit are on the host when it returns
    } finally {
      this.lossWatch.drop();
      this.control.end();
    }
  }

  /** One epoch: training then validation (a resumed epoch starts where its checkpoint stopped). */
  private async oneEpoch(): Promise<void> {
    const { trainDl, validDl } = this.learn.data;
    const from = this.control.enterEpoch(this.epoch, this);
    try {
      if (from.phase === 'train') await this.allBatches(trainDl, 'train', from.iter);
      await this.emit('beginValidate');
      await this.allBatches(validDl, 'valid', from.phase === 'valid' ? from.iter : 0);
    } catch (e) {
      if (e instanceof CancelEpochError) this.endEpoch();
      throw e;
    }
    this.endEpoch();
  }

  private endEpoch(): void {
    this.control.epochDone(this.epoch);
    this.epochMetrics.time = (performance.now() - this.epochStart) / 1000;
  }

  /**
   * Emit `begin<Stage>`, run `body`; on the stage's cancel error emit `afterCancel<Stage>`;
   * always emit `after<Stage>` (fastai v2's `_with_events`). `beginEpoch` runs inside, so a cancel
   * there skips the epoch.
   */
  private async withEvents(stage: 'Fit' | 'Epoch' | 'Batch', cancel: CancelClass, body: () => Promise<void>): Promise<void> {
    let failure: { error: unknown } | null = null;
    try {
      await this.emit(`begin${stage}`);
      await body();
    } catch (e) {
      if (e instanceof cancel) {
        try {
          await this.emit(`afterCancel${stage === 'Fit' ? 'Train' : stage}`);
        } catch (e2) {
          failure = { error: e2 };
        }
      } else failure = { error: e };
    }
    if (stage === 'Fit') {
      // `afterFit` releases what callbacks took (locks, terminal state, files): every callback's
      // runs, even after an error or another callback's failing `afterFit`
      const errors = await this.emitToAll('afterFit');
      if (!failure && errors.length) failure = { error: errors.shift()!.error };
      for (const { cb, error } of errors) this.opts.log(`tfai: ${cb.name}.afterFit also failed: ${error instanceof Error ? error.message : String(error)}`);
    } else {
      try {
        await this.emit(`after${stage}`);
      } catch (e) {
        if (!failure) failure = { error: e };
        else if (!isCancel(e)) this.opts.log(`tfai: after${stage} also failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (failure) throw failure.error;
  }

  /** Every batch of `dl` (a resumed loader yields from batch `from` on). */
  private async allBatches(dl: Loader, phase: RunPosition['phase'], from: number): Promise<void> {
    this.iters = dl.length;
    this.iter = from;
    this.control.startPhase(this.epoch, phase, from);
    for await (const [xb, yb] of dl) {
      await this.oneBatch(xb, yb);
      this.iter++;
      await this.control.batchDone(this.iter);
    }
  }

  private async oneBatch(xb: tf.Tensor, yb: tf.Tensor): Promise<void> {
    this.xb = xb;
    this.yb = yb;
    try {
      if (this.inTrain && !this.memoryChecked) {
        this.memoryChecked = true;
        await checkStepMemory(this.learn, xb, yb); // a backend with a memory ceiling: refuse a batch that cannot fit it, at once
      }
      await this.withEvents('Batch', CancelBatchError, async () => {
        if (this.opts.checkInputs) await this.checkInputs();
        if (this.inTrain) await this.trainStep();
        else await this.validStep();
      });
    } finally {
      this.releaseBatch(xb, yb);
    }
  }

  private async trainStep(): Promise<void> {
    const learn = this.learn;
    let pending: Promise<void>[] = [];
    let lossSetBy: Callback | null = null;
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value, grads } = variableGradsOrFree(() => {
        this.pred = tf.keep(learn.model.forward(this.xb));
        this.checkFirstShapes('train');
        pending = pending.concat(this.emitSync('afterPred'));
        this.loss = checkLossValue(learn.lossFunc(this.pred, this.yb));
        pending = pending.concat(this.emitSync('afterLoss', (cb, before) => {
          if (this.loss !== before) lossSetBy = cb;
        }));
        return checkLossValue(this.loss, 'run.loss must be a scalar tensor: an afterLoss callback set it to');
      }, learn.trainableVars));
    } catch (e) {
      throw this.explainTapeError(e, lossSetBy);
    }
    this.loss = value;
    this.grads = grads;
    await Promise.all([this.checkFirstLabels('train'), ...pending]);
    if (this.loss !== value) {
      if (!value.isDisposed) value.dispose(); // the batch's cleanup frees the replacement, not the loss the tape saw
      const cb = this.lateLossSetter ?? null;
      throw new Error(
        `${cb ? `${cb.name}.afterLoss` : 'An afterLoss callback'} replaced run.loss after the backward pass (in the part of the handler that runs after an await): ` +
          'the gradients were already taken from the loss the tape saw. Replace run.loss synchronously in afterLoss, computing it from run.pred with TF.js ops',
      );
    }
    this.lossWatch.add(this.loss, this.epoch, this.iter);
    try {
      await this.emit('afterBackward');
    } catch (e) {
      if (e instanceof CancelStepError) return; // no step, no afterStep (gradient accumulation)
      throw e;
    }
    learn.opt.step(this.grads);
    await this.emit('afterStep');
  }

  /** Who replaced run.loss in an async part of an afterLoss handler (found by `emitSync`'s checks). */
  private lateLossSetter: Callback | null = null;

  /**
   * The gradient tape's failure in words: TF.js's "Cannot find a connection between any variable
   * and the result of the loss function" means the loss does not depend on the parameters — a
   * callback's replacement `run.loss`, or the loss function itself.
   */
  private explainTapeError(e: unknown, lossSetBy: Callback | null): unknown {
    if (!(e instanceof Error) || !/Cannot find a connection between any variable/.test(e.message)) return e;
    const msg = lossSetBy
      ? `${lossSetBy.name}.afterLoss replaced run.loss with a tensor that does not depend on the model's trainable parameters, so there is nothing to differentiate: compute the replacement from run.pred (or the original run.loss) with TF.js ops, synchronously in afterLoss`
      : `the loss function's value does not depend on the model's trainable parameters, so there is nothing to differentiate: compute the loss from pred (the model's output) with TF.js ops — not from numbers read off the device, and not a constant`;
    return new Error(`Runner (training batch ${this.iter} of epoch ${this.epoch}): ${msg}`, { cause: e });
  }

  private async validStep(): Promise<void> {
    this.pred = tf.tidy(() => this.learn.model.forward(this.xb));
    this.checkFirstShapes('valid');
    await this.checkFirstLabels('valid');
    await this.emit('afterPred');
    this.loss = checkLossValue(this.learn.lossFunc(this.pred, this.yb));
    await this.emit('afterLoss');
  }

  /** `checkInputs`: throw naming the batch and x / y when either holds NaN or ±Inf. */
  private async checkInputs(): Promise<void> {
    for (const [name, t] of [['x', this.xb], ['y', this.yb]] as const) {
      if (t.dtype !== 'float32') continue;
      const counts = tf.tidy(() => {
        const nan = tf.notEqual(t, t);
        const inf = tf.equal(tf.abs(t), Infinity);
        return tf.stack([tf.sum(tf.cast(nan, 'int32')), tf.sum(tf.cast(inf, 'int32'))]);
      });
      const [nan, inf] = await counts.data();
      counts.dispose();
      if (nan || inf) {
        throw new RangeError(`Runner (checkInputs): ${this.inTrain ? 'training' : 'validation'} batch ${this.iter} of epoch ${this.epoch} (0-based): ${name} ${fmtShape(t.shape)} has ${nan} NaN and ${inf} infinite values`);
      }
    }
  }

  /** The first batch's output and target shapes (synchronous: runs inside the gradient tape). */
  private checkFirstShapes(phase: 'train' | 'valid'): void {
    if (!this.checkedFirstBatch[phase]) checkBatchShapes(this.pred, this.yb, this.learn.data.c);
  }

  /** The first batch's labels (one asynchronous read), before its step. */
  private async checkFirstLabels(phase: 'train' | 'valid'): Promise<void> {
    if (this.checkedFirstBatch[phase]) return;
    await checkBatchLabels(this.pred, this.yb, this.learn.data.c);
    this.checkedFirstBatch[phase] = true;
  }

  private releaseBatch(xb: tf.Tensor, yb: tf.Tensor): void {
    const all = [xb, yb, this.xb, this.yb, this.pred, this.loss, ...Object.values(this.grads)];
    for (const t of new Set(all)) if (t instanceof tf.Tensor && !t.isDisposed) t.dispose();
    this.grads = {};
  }

  /** Run the callbacks of `name` in order, awaiting each, then publish it on `events$`. */
  private async emit(name: EventName): Promise<void> {
    const owned = OWNED_TENSORS[name];
    for (const cb of this.cbs) {
      const f = cb[name];
      if (f) {
        const r = f.call(cb);
        if (r) await r;
        if (owned) this.checkOwned(cb, name, owned);
      }
    }
    this.publish(name);
  }

  /**
   * Throw naming `cb` and the rule when it disposed one of the batch's tensors the runner owns
   * (`owned`: those set at event `name`) — the next op on it would fail inside TF.js.
   */
  private checkOwned(cb: Callback, name: EventName, owned: readonly ('xb' | 'yb' | 'pred' | 'loss')[]): void {
    for (const key of owned) {
      const t = this[key] as tf.Tensor | undefined;
      if (t instanceof tf.Tensor && t.isDisposed) {
        throw new Error(
          `${cb.name}.${name} disposed run.${key}: the runner owns the batch's tensors (xb, yb, pred, loss) and disposes them at the end of the batch; ` +
            'a callback may read them, or replace xb / yb in beginBatch and pred / loss synchronously in afterPred / afterLoss — never dispose them',
        );
      }
    }
  }

  /** As `emit`, running every callback even when one throws; returns the errors (the first is the one to rethrow). */
  private async emitToAll(name: EventName): Promise<{ cb: Callback; error: unknown }[]> {
    const errors: { cb: Callback; error: unknown }[] = [];
    for (const cb of this.cbs) {
      try {
        await cb[name]?.call(cb);
      } catch (error) {
        errors.push({ cb, error });
      }
    }
    this.publish(name);
    return errors;
  }

  /**
   * As `emit`, without awaiting (inside the gradient tape); returns handlers' pending promises.
   * Each handler's synchronous part is checked at once (`after(cb, loss before it)` sees what it
   * changed); an async part is checked when it settles, so a late `run.pred.dispose()` or
   * `run.loss = …` is blamed on its callback.
   */
  private emitSync(name: EventName, after?: (cb: Callback, lossBefore: tf.Scalar) => void): Promise<void>[] {
    const pending: Promise<void>[] = [];
    const owned = OWNED_TENSORS[name] ?? [];
    if (name === 'afterLoss') this.lateLossSetter = null;
    for (const cb of this.cbs) {
      const f = cb[name];
      if (!f) continue;
      const lossBefore = this.loss;
      const r = f.call(cb);
      this.checkOwned(cb, name, owned);
      after?.(cb, lossBefore);
      if (r) {
        const lossAtReturn = this.loss;
        pending.push(
          r.then(() => {
            if (name === 'afterLoss' && this.loss !== lossAtReturn) this.lateLossSetter ??= cb;
            this.checkOwned(cb, name, owned);
          }),
        );
      }
    }
    this.publish(name);
    return pending;
  }

  private publish(name: EventName): void {
    if (this.events$.observed) {
      this.events$.next({ name, epoch: this.epoch, iter: this.iter, inTrain: this.inTrain, nEpochs: this.nEpochs });
    }
  }
}

/** The batch tensors set (and owned by the runner) when each event's handlers run. */
const OWNED_TENSORS: Partial<Record<EventName, readonly ('xb' | 'yb' | 'pred' | 'loss')[]>> = {
  beginBatch: ['xb', 'yb'],
  afterPred: ['xb', 'yb', 'pred'],
  afterLoss: ['xb', 'yb', 'pred', 'loss'],
  afterBackward: ['xb', 'yb', 'pred', 'loss'],
  afterStep: ['xb', 'yb', 'pred', 'loss'],
};

function isCancel(e: unknown): boolean {
  return e instanceof CancelBatchError || e instanceof CancelEpochError || e instanceof CancelTrainError || e instanceof CancelStepError;
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
