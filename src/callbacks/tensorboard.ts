/** `TensorBoardCallback`: scalars (and optionally weight histograms) in TensorBoard's event-file format. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { EventFileWriter, histogram, type SummaryValue, type TBEvent } from '../io/event-file-writer.js';
import { fsFailure } from '../io/fs-errors.js';
import { makeDir } from '../io/make-dir.js';

/** Options of `TensorBoardCallback`. */
export type TensorBoardCallbackOptions = {
  /** The run's directory (`tensorboard --logdir <parent>` shows each run folder as one run). */
  logDir: string;
  /** Per training batch: the loss and every group's hyperparameters (default true). */
  batchScalars?: boolean;
  /** Per epoch: a histogram of each parameter's values (default false; one read of the weights per epoch). */
  histograms?: boolean;
};

/**
 * `new TensorBoardCallback({ logDir: 'runs/mnist' })`: writes an event file
 * (`events.out.tfevents.<time>.<host>`) that `tensorboard --logdir runs` shows:
 *
 * - per training batch, at step = training batches so far: `batch/train_loss` and each parameter
 *   group's hyperparameters, `batch/lr_0`, `batch/mom_0`, … (as fastai's `TensorBoardCallback`);
 * - per epoch, at step = the epoch (0-based, as Keras): every named epoch metric, `epoch/train_loss`,
 *   `epoch/valid_loss`, `epoch/valid_accuracy`, …, `epoch/time`;
 * - with `histograms: true`, per epoch: `weights/<parameter name>` histograms.
 *
 * Batch losses stay on the device and are read, with everything else, once per epoch, when that
 * epoch's records are appended to the file. Order 30: after the callbacks that publish metrics.
 */
export class TensorBoardCallback extends Callback {
  override order = 30;
  /** The folder the event file is written to. */
  readonly logDir: string;
  /** Whether the loss and hyperparameters are written per training batch. */
  readonly batchScalars: boolean;
  /** Whether a histogram of each parameter is written per epoch. */
  readonly histograms: boolean;
  /** The event file of the last fit (set at `beginFit`). */
  file = '';
  private writer: EventFileWriter | null = null;
  private losses: tf.Tensor[] = [];
  private hypers: { step: number; wallTime: number; values: SummaryValue[] }[] = [];

  constructor(opts: TensorBoardCallbackOptions) {
    super();
    if (!opts || typeof opts.logDir !== 'string' || !opts.logDir) throw new TypeError('TensorBoardCallback: logDir (the run directory) is required');
    this.logDir = opts.logDir;
    this.batchScalars = opts.batchScalars ?? true;
    this.histograms = opts.histograms ?? false;
  }

  /** Creates the log directory and the event file: a path that cannot be written fails here, naming it and why. */
  override async beginFit(): Promise<void> {
    this.drop();
    this.writer = null;
    await makeDir(this.logDir, 'TensorBoardCallback', 'log directory');
    const writer = new EventFileWriter(this.logDir);
    try {
      this.file = await writer.open();
    } catch (e) {
      throw fsFailure('TensorBoardCallback: creating the event file in', this.logDir, e);
    }
    this.writer = writer;
  }

  override afterBatch(): void {
    const run = this.run;
    if (!this.batchScalars || !run.inTrain || !run.loss || run.loss.isDisposed) return;
    const values: SummaryValue[] = [];
    run.learn.opt.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(g.hypers)) values.push({ tag: `batch/${k}_${i}`, simpleValue: v });
    });
    this.hypers.push({ step: run.nIter, wallTime: Date.now() / 1000, values });
    this.losses.push(tf.clone(run.loss));
  }

  override async afterEpoch(): Promise<void> {
    const events = await this.batchEvents();
    const wallTime = Date.now() / 1000;
    const scalars: SummaryValue[] = Object.entries(this.run.epochMetrics)
      .filter(([k, v]) => k !== 'epoch' && typeof v === 'number')
      .map(([k, v]) => ({ tag: `epoch/${k}`, simpleValue: v }));
    if (scalars.length) events.push({ wallTime, step: this.run.epoch, summary: { value: scalars } });
    if (this.histograms) events.push({ wallTime, step: this.run.epoch, summary: { value: await this.weightHistograms() } });
    await this.append(events);
  }

  override async afterFit(): Promise<void> {
    const events = await this.batchEvents(); // batches of an epoch cut short
    try {
      await this.append(events);
    } finally {
      this.writer = null;
    }
  }

  /** Append to the event file; a failure (a full disk) names the callback and the file. */
  private async append(events: TBEvent[]): Promise<void> {
    if (!this.writer) return;
    try {
      await this.writer.write(events);
    } catch (e) {
      throw fsFailure('TensorBoardCallback: writing to the event file', this.file, e);
    }
  }

  /** The pending batch records (one device read for their losses). */
  private async batchEvents(): Promise<TBEvent[]> {
    if (!this.losses.length) return [];
    const stacked = tf.stack(this.losses);
    const pending = this.hypers;
    this.drop();
    const losses = await stacked.data();
    stacked.dispose();
    return pending.map((h, i) => ({ wallTime: h.wallTime, step: h.step, summary: { value: [{ tag: 'batch/train_loss', simpleValue: losses[i] }, ...h.values] } }));
  }

  private async weightHistograms(): Promise<SummaryValue[]> {
    const model = this.run.learn.model as { namedParameters?: () => [string, tf.Variable][] };
    const named = typeof model.namedParameters === 'function' ? model.namedParameters() : this.run.learn.model.parameters().map((p, i): [string, tf.Variable] => [`param_${i}`, p]);
    const values = await Promise.all(named.map(([, p]) => p.data()));
    return named.map(([n], i) => ({ tag: `weights/${n}`, histo: histogram(values[i] as Float32Array) }));
  }

  private drop(): void {
    tf.dispose(this.losses);
    this.losses = [];
    this.hypers = [];
  }
}
