/**
 * Everything a fit needs besides the loop itself: where it stands (the position a checkpoint taken
 * now would resume at), stop requests (Ctrl-C), and resuming from a checkpoint. The `Runner` calls
 * it at a handful of points; callbacks read `run.control` (the checkpoint callback does).
 */
import { CancelTrainError } from './cancel.js';
import type { StatefulCallback } from './stateful-callback.js';
import type { Learner } from './learner.js';
import { watchInterrupts, type InterruptWatch } from './interrupt.js';
import { callbackKeys, prepareResume, type PreparedResume } from './run-state.js';
import type { RunPosition } from '../io/checkpoint-types.js';
import { nextTurn } from '../platform/event-loop.js';

/**
 * One turn of the event loop (`nextTurn`: `setImmediate` in Node, a message in a page): signal
 * handlers, timers, I/O callbacks, and in a page rendering and input, waiting behind a synchronous
 * batch run now. Promise continuations alone never let them run.
 */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}

/** The last checkpoint a checkpoint callback wrote in this fit (what the interrupt notice reports). */
export type CheckpointRecord = {
  /** The checkpoint directory. */
  dir: string;
  /** The checkpoint's folder. */
  path: string;
  /** Where the fit stood when it was written. */
  position: RunPosition;
};

/** What `FitControl` updates on the runner when a fit resumes. */
type Counters = { nEpochs: number; nIter: number; cbs: StatefulCallback[] };

/** Options of `FitControl` (the runner's). */
export type FitControlOptions = {
  /** Listen for Ctrl-C during a fit. */
  handleInterrupts: boolean;
  /** Where the notices (resume, interrupt) go. */
  log: (line: string) => void;
};

/**
 * Position, stop requests and resume for one runner. The position is "the next batch to run":
 * `{ epoch: e + 1, phase: 'train', iter: 0 }` once epoch `e` is complete (already during its
 * `afterEpoch`), `{ epoch: e, phase: 'train', iter: k }` after `k` training batches.
 */
export class FitControl {
  /** Whether the last fit stopped because of an interrupt (Ctrl-C or `run.requestInterrupt()`). */
  interrupted = false;
  /** The last checkpoint written during this fit (set by checkpoint callbacks), or null. */
  lastCheckpoint: CheckpointRecord | null = null;
  /**
   * The checkpoint folder this fit resumed from, or null for a fresh fit (set before `beginFit`, so
   * callbacks that write logs can continue them instead of starting anew).
   */
  resumedFrom: string | null = null;
  private pos: RunPosition = { epoch: 0, phase: 'train', iter: 0 };
  private stopRequested = false;
  private resume: PreparedResume | null = null;
  private watch: InterruptWatch | null = null;
  private epochs = 0;

  constructor(private readonly opts: FitControlOptions) {}

  /** Where the fit stands (a copy). */
  get position(): RunPosition {
    return { ...this.pos };
  }

  /** Ask the fit to stop after the current batch, as the first Ctrl-C does. */
  requestStop(): void {
    this.stopRequested = true;
  }

  /**
   * Before the fit: read and check the whole checkpoint to resume from — files, weights, optimizer,
   * loaders, RNG, position and the callbacks' states (on error nothing has changed) — and start
   * listening for Ctrl-C. Nothing is applied yet (see `applyResume`, after `beginFit`, so that a
   * callback refusing the fit there — a locked checkpoint directory — finds the learner untouched).
   * Returns the position the fit starts at.
   */
  async begin(learn: Learner, epochs: number, resumeFrom: string | undefined, cbs: StatefulCallback[] = []): Promise<RunPosition> {
    const resume = resumeFrom === undefined ? null : await prepareResume(resumeFrom, learn, epochs, cbs);
    this.epochs = epochs;
    this.stopRequested = false;
    this.interrupted = false;
    this.lastCheckpoint = null;
    this.resume = resume;
    this.pos = { epoch: 0, phase: 'train', iter: 0 };
    this.resumedFrom = resume?.folder ?? null;
    if (resume) this.pos = { ...resume.state.position };
    this.watch = this.opts.handleInterrupts ? watchInterrupts({ onInterrupt: () => this.requestStop(), log: this.opts.log }) : null;
    return this.position;
  }

  /** After `beginFit`: load the checked checkpoint into the learner (weights, optimizer, RNG, loaders). */
  applyResume(epochs: number): void {
    const resume = this.resume;
    if (!resume) return;
    resume.apply();
    const p = resume.state.position;
    if (resume.note) this.opts.log(`tfai: note: ${resume.note}`);
    if (resume.state.epochs !== epochs) this.opts.log(`tfai: note: the checkpoint was taken in a ${resume.state.epochs}-epoch fit, this fit has ${epochs}: schedules follow the new length`);
    this.opts.log(`tfai: resuming from ${resume.folder} at epoch ${p.epoch}, ${p.phase} batch ${p.iter}`);
  }

  /**
   * After epoch `epoch`'s `beginEpoch`: on the resumed epoch, put back the progress counters and
   * the callbacks' saved states. Returns where the epoch's batches start.
   * @internal the runner's
   */
  enterEpoch(epoch: number, run: Counters): RunPosition {
    const r = this.resume;
    if (!r || r.state.position.epoch !== epoch) return { epoch, phase: 'train', iter: 0 };
    this.resume = null;
    const { state } = r;
    run.nIter = state.nIter;
    if (state.position.phase !== 'train' || state.position.iter > 0) run.nEpochs = state.nEpochs;
    for (const [key, cb] of callbackKeys(run.cbs)) {
      const saved = state.callbacks[key];
      if (saved === undefined || !cb.setState) continue;
      try {
        cb.setState(saved);
      } catch (e) {
        const hint = cb.checkState ? '' : ` (give ${cb.name} a checkState method so that such a state is refused before anything changes)`;
        throw new Error(`resume: restoring the state of callback '${key}' failed${hint}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    return { ...state.position };
  }

  /** A loader's batches start at batch `iter`. */
  startPhase(epoch: number, phase: RunPosition['phase'], iter: number): void {
    this.pos = { epoch, phase, iter };
  }

  /**
   * `iter` batches of the current loader are done: yield to the event loop once (so that a Ctrl-C,
   * a timer or I/O that arrived during the batch is handled now, not at the epoch's next file
   * write), then stop the fit here if a stop was requested.
   */
  async batchDone(iter: number): Promise<void> {
    this.pos.iter = iter;
    await yieldToEventLoop();
    this.stopIfRequested();
  }

  /** Epoch `epoch` is complete (training and validation, or cancelled). */
  epochDone(epoch: number): void {
    this.pos = { epoch: epoch + 1, phase: 'train', iter: 0 };
  }

  /** Throw `CancelTrainError` (marking the fit interrupted) if a stop was requested. */
  stopIfRequested(): void {
    if (!this.stopRequested) return;
    this.interrupted = true;
    throw new CancelTrainError('interrupted');
  }

  /** After the fit: stop listening for Ctrl-C; after an interrupt, say where it stopped and how to resume. */
  end(): void {
    this.watch?.dispose();
    this.watch = null;
    this.resume?.dispose();
    this.resume = null;
    if (this.interrupted) this.report();
  }

  private report(): void {
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
}
