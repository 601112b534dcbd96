/**
 * The fit loop, as the course's `Runner`: it owns the callbacks and the event stream, and exposes
 * the current batch state (`xb`, `yb`, `pred`, `loss`, `epoch`, `iter`, …) to callbacks.
 */
import { Subject } from 'rxjs';
import { tf } from '../backend/tf.js';
import { Callback } from './callback.js';
import { checkStepMemory } from './step-memory.js';
import { CancelBatchError, CancelEpochError, CancelTrainError } from './cancel.js';
import type { EventName, RunnerEvent } from './events.js';
import type { Learner } from './learner.js';
import { TrainEvalCallback } from './train-eval.js';
import { checkInt } from './validate.js';
import { checkBatch, checkDatasetLabels } from './batch-checks.js';
import { watchInterrupts } from './interrupt.js';
import { prepareResume } from './run-state.js';
import type { CheckpointState, ResumeAware, RunPosition } from '../io/checkpoint-types.js';

type CancelClass = new (...args: never[]) => Error;
type Loader = Learner['data']['trainDl'];

/** Options of `Runner`. */
export type RunnerOptions = {
  cbs?: Callback[];
  /**
   * Check every batch's `x` and `y` for NaN / ±Inf before the forward pass and throw naming the
   * batch (default false: the check reads a flag from the device each batch).
   */
  checkInputs?: boolean;
  /**
   * Handle Ctrl-C during `fit` (default true): the first SIGINT stops after the current batch
   * (a `CheckpointCallback` saves a checkpoint), a second exits with code 130.
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
   * (epoch, batch) and callback histories are restored; the fit then runs to `epochs`.
   */
  resume?: string;
};

/** The last checkpoint a checkpoint callback wrote in this fit (what the interrupt notice reports). */
export type CheckpointRecord = { dir: string; path: string; position: RunPosition };

const isResumeAware = (cb: Callback): cb is Callback & ResumeAware => typeof (cb as Partial<ResumeAware>).restoreCheckpoint === 'function';

/**
 * `new Runner({ cbs })` then `await run.fit(epochs, learn)`. Callbacks run sorted by `order`;
 * after they ran, each event is published on `run.events$` for observers (logging, dashboards).
 * A `TrainEvalCallback` is always present.
 */
export class Runner {
  /** Every event, published after the callbacks of that event ran. */
  readonly events$ = new Subject<RunnerEvent>();
  /** The callbacks, sorted by `order` (stable). */
  cbs: Callback[] = [];

  /** The learner being fitted (set by `fit`). */
  learn!: Learner;
  /** The current input batch (callbacks may replace it in `beginBatch`). */
  xb!: tf.Tensor;
  /** The current target batch. */
  yb!: tf.Tensor;
  /** The model's output for `xb`. */
  pred!: tf.Tensor;
  /** The current batch's loss (a scalar on the device). */
  loss!: tf.Scalar;
  /** Gradients of the current training batch, keyed by variable name (between backward and step). */
  grads: tf.NamedTensorMap = {};
  /** Epochs requested in this fit. */
  epochs = 0;
  /** Current epoch index (0-based). */
  epoch = 0;
  /** Batch index in the current loader. */
  iter = 0;
  /** Number of batches in the current loader. */
  iters = 0;
  /** Whether the current loop trains (vs validates). */
  inTrain = false;
  /** Fractional epochs of training done (kept by `TrainEvalCallback`). */
  nEpochs = 0;
  /** Training batches done in this fit (kept by `TrainEvalCallback`). */
  nIter = 0;
  /** Whether the last fit stopped because of an interrupt (Ctrl-C or `requestInterrupt`). */
  interrupted = false;
  /** The last checkpoint written during this fit (set by checkpoint callbacks), or null. */
  lastCheckpoint: CheckpointRecord | null = null;

  private checkedFirstBatch = { train: false, valid: false };
  private memoryChecked = false;
  private readonly opts: Required<Omit<RunnerOptions, 'cbs'>>;
  private pos: RunPosition = { epoch: 0, phase: 'train', iter: 0 };
  private stopRequested = false;

  constructor(opts: RunnerOptions = {}) {
    this.opts = { checkInputs: opts.checkInputs ?? false, handleInterrupts: opts.handleInterrupts ?? true, log: opts.log ?? ((l) => console.log(l)) };
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

  /** Fraction of training done, `nEpochs / epochs` (what schedules take). */
  get pctTrain(): number {
    return this.epochs ? this.nEpochs / this.epochs : 0;
  }

  /**
   * Where the fit stands as "the next batch to run" (what a checkpoint taken now resumes at):
   * `{ epoch: e + 1, phase: 'train', iter: 0 }` once epoch `e` is complete (during its
   * `afterEpoch`), `{ epoch: e, phase: 'train', iter: k }` after `k` training batches.
   */
  get position(): RunPosition {
    return { ...this.pos };
  }

  /** Ask the fit to stop after the current batch, as the first Ctrl-C does. */
  requestInterrupt(): void {
    this.stopRequested = true;
  }

  /**
   * Train `learn` for `epochs` epochs, validating after each. With `{ resume: dir }`, continue
   * from the checkpoint there (checked completely before anything is changed).
   */
  async fit(epochs: number, learn: Learner, opts: FitOptions = {}): Promise<void> {
    checkInt('Runner.fit', 'epochs', epochs, 1);
    await checkDatasetLabels(learn.data);
    const resume = opts.resume === undefined ? null : await prepareResume(opts.resume, learn, epochs);
    this.epochs = epochs;
    this.learn = learn;
    this.checkedFirstBatch = { train: false, valid: false };
    this.memoryChecked = false;
    this.stopRequested = false;
    this.interrupted = false;
    this.lastCheckpoint = null;
    if (resume) {
      resume.apply();
      const p = resume.state.position;
      if (resume.state.epochs !== epochs) this.opts.log(`tfai: note: the checkpoint was taken in a ${resume.state.epochs}-epoch fit, this fit has ${epochs}: schedules follow the new length`);
      this.opts.log(`tfai: resuming from ${resume.folder} at epoch ${p.epoch}, ${p.phase} batch ${p.iter}`);
    }
    const start: RunPosition = resume ? { ...resume.state.position } : { epoch: 0, phase: 'train', iter: 0 };
    this.pos = { ...start };
    const watch = this.opts.handleInterrupts ? watchInterrupts({ onInterrupt: () => this.requestInterrupt(), log: this.opts.log }) : null;
    try {
      await this.withEvents('Fit', CancelTrainError, async () => {
        for (let epoch = start.epoch; epoch < epochs; epoch++) {
          this.epoch = epoch;
          const resumed = resume && epoch === start.epoch ? resume.state : null;
          await this.withEvents('Epoch', CancelEpochError, () => this.oneEpoch(resumed));
          if (epoch < epochs - 1) this.stopIfRequested();
        }
      });
    } finally {
      watch?.dispose();
    }
    if (this.interrupted) this.reportInterrupt();
  }

  /** One epoch: training then validation (a resumed epoch starts where its checkpoint stopped). */
  private async oneEpoch(resumed: CheckpointState | null): Promise<void> {
    const { trainDl, validDl } = this.learn.data;
    const from = resumed?.position ?? { epoch: this.epoch, phase: 'train', iter: 0 };
    try {
      if (resumed) await this.restoreCounters(resumed);
      if (from.phase === 'train') {
        this.pos = { epoch: this.epoch, phase: 'train', iter: from.iter };
        await this.allBatches(trainDl, from.iter);
      }
      this.pos = { epoch: this.epoch, phase: 'valid', iter: from.phase === 'valid' ? from.iter : 0 };
      await this.emit('beginValidate');
      await this.allBatches(validDl, this.pos.iter);
    } catch (e) {
      if (e instanceof CancelEpochError) this.pos = { epoch: this.epoch + 1, phase: 'train', iter: 0 };
      throw e;
    }
    this.pos = { epoch: this.epoch + 1, phase: 'train', iter: 0 };
  }

  /** After the resumed epoch's `beginEpoch`: progress counters, then callbacks' own states. */
  private async restoreCounters(state: CheckpointState): Promise<void> {
    this.nIter = state.nIter;
    if (state.position.phase !== 'train' || state.position.iter > 0) this.nEpochs = state.nEpochs;
    const aware = this.cbs.filter(isResumeAware);
    for (const cb of aware) await cb.restoreCheckpoint(state);
    const held = Object.keys(state.callbacks);
    if (!aware.length && held.length) this.opts.log(`tfai: note: the checkpoint also holds the state of ${held.join(', ')}; add a CheckpointCallback to this runner to restore it`);
  }

  private stopIfRequested(): void {
    if (!this.stopRequested) return;
    this.interrupted = true;
    throw new CancelTrainError('interrupted');
  }

  private reportInterrupt(): void {
    const p = this.pos;
    const at = p.iter === 0 && p.phase === 'train' ? `after epoch ${p.epoch} of ${this.epochs}` : `in epoch ${p.epoch + 1} of ${this.epochs}, after ${p.phase === 'train' ? 'training' : 'validation'} batch ${p.iter}`;
    this.opts.log(`tfai: training interrupted ${at}`);
    const ck = this.lastCheckpoint;
    if (ck && ck.position.epoch === p.epoch && ck.position.phase === p.phase && ck.position.iter === p.iter) {
      this.opts.log(`tfai: checkpoint saved to ${ck.path}`);
      this.opts.log(`tfai: resume with: await run.fit(${this.epochs}, learn, { resume: ${JSON.stringify(ck.dir)} })`);
    } else {
      this.opts.log('tfai: no checkpoint was saved for this point (add a CheckpointCallback to save one on interrupt)');
    }
  }

  /**
   * Emit `begin<Stage>`, run `body`; on the stage's cancel error emit `afterCancel<Stage>`;
   * always emit `after<Stage>` (fastai v2's `_with_events`). `beginEpoch` runs inside, so a cancel
   * there skips the epoch.
   */
  private async withEvents(stage: 'Fit' | 'Epoch' | 'Batch', cancel: CancelClass, body: () => Promise<void>): Promise<void> {
    try {
      await this.emit(`begin${stage}`);
      await body();
    } catch (e) {
      if (!(e instanceof cancel)) throw e;
      await this.emit(`afterCancel${stage === 'Fit' ? 'Train' : stage}`);
    } finally {
      await this.emit(`after${stage}`);
    }
  }

  /** Every batch of `dl` (a resumed loader yields from batch `from` on). */
  private async allBatches(dl: Loader, from = 0): Promise<void> {
    this.iters = dl.length;
    this.iter = from;
    for await (const [xb, yb] of dl) {
      await this.oneBatch(xb, yb);
      this.iter++;
      this.pos.iter = this.iter;
      this.stopIfRequested();
    }
  }

  private async oneBatch(xb: tf.Tensor, yb: tf.Tensor): Promise<void> {
    this.xb = xb;
    this.yb = yb;
    try {
      if (this.inTrain && !this.memoryChecked) {
        this.memoryChecked = true;
        await checkStepMemory(this.learn, xb, yb); // wasm: refuse a batch that cannot fit 4 GB, at once
      }
      await this.withEvents('Batch', CancelBatchError, async () => {
        if (this.opts.checkInputs) this.checkInputs();
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
    const { value, grads } = tf.variableGrads(() => {
      this.pred = tf.keep(learn.model.forward(this.xb));
      this.checkFirst('train');
      pending = pending.concat(this.emitSync('afterPred'));
      this.loss = learn.lossFunc(this.pred, this.yb);
      pending = pending.concat(this.emitSync('afterLoss'));
      return this.loss;
    }, learn.trainableVars);
    this.loss = value;
    this.grads = grads;
    await Promise.all(pending);
    await this.emit('afterBackward');
    learn.opt.step(this.grads);
    await this.emit('afterStep');
  }

  private async validStep(): Promise<void> {
    this.pred = tf.tidy(() => this.learn.model.forward(this.xb));
    this.checkFirst('valid');
    await this.emit('afterPred');
    this.loss = this.learn.lossFunc(this.pred, this.yb);
    await this.emit('afterLoss');
  }

  /** `checkInputs`: throw naming the batch and x / y when either holds NaN or ±Inf. */
  private checkInputs(): void {
    for (const [name, t] of [['x', this.xb], ['y', this.yb]] as const) {
      if (t.dtype !== 'float32') continue;
      const counts = tf.tidy(() => {
        const nan = tf.notEqual(t, t);
        const inf = tf.equal(tf.abs(t), Infinity);
        return tf.stack([tf.sum(tf.cast(nan, 'int32')), tf.sum(tf.cast(inf, 'int32'))]);
      });
      const [nan, inf] = counts.dataSync();
      counts.dispose();
      if (nan || inf) {
        throw new RangeError(`Runner (checkInputs): ${this.inTrain ? 'training' : 'validation'} batch ${this.iter} of epoch ${this.epoch} (0-based): ${name} ${fmtShape(t.shape)} has ${nan} NaN and ${inf} infinite values`);
      }
    }
  }

  private checkFirst(phase: 'train' | 'valid'): void {
    if (this.checkedFirstBatch[phase]) return;
    checkBatch(this.pred, this.yb, this.learn.data.c);
    this.checkedFirstBatch[phase] = true;
  }

  private releaseBatch(xb: tf.Tensor, yb: tf.Tensor): void {
    const all = [xb, yb, this.xb, this.yb, this.pred, this.loss, ...Object.values(this.grads)];
    for (const t of new Set(all)) if (t && !t.isDisposed) t.dispose();
    this.grads = {};
  }

  /** Run the callbacks of `name` in order, awaiting each, then publish it on `events$`. */
  private async emit(name: EventName): Promise<void> {
    for (const cb of this.cbs) {
      const f = cb[name];
      if (f) {
        const r = f.call(cb);
        if (r) await r;
      }
    }
    this.publish(name);
  }

  /** As `emit`, without awaiting (inside the gradient tape); returns handlers' pending promises. */
  private emitSync(name: EventName): Promise<void>[] {
    const pending: Promise<void>[] = [];
    for (const cb of this.cbs) {
      const r = cb[name]?.call(cb);
      if (r) pending.push(r);
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

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
