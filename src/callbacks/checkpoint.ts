/**
 * `CheckpointCallback`: saves everything a fit needs to continue — weights, optimizer state, RNG
 * and loader states, position, and the callbacks' histories — every `every` epochs and when the
 * fit is interrupted, rotating old checkpoints and keeping the best by a monitored value.
 * `run.fit(epochs, learn, { resume: dir })` continues from the newest one.
 */
import * as fs from '../platform/fs.js';
import * as path from '../platform/path.js';
import { Callback } from '../core/callback.js';
import { captureRun } from '../core/run-state.js';
import { freeName, listCheckpoints, readPointer, removeBrokenCheckpoints, removeCheckpointFolder, removeLeftovers, setPointer, writeCheckpointFolder } from '../io/checkpoint-folder.js';
import { lockDir, type DirLock } from '../io/dir-lock.js';
import { makeDir } from '../io/make-dir.js';
import type { CheckpointState, RunPosition } from '../io/checkpoint-types.js';
import { checkInt } from '../core/validate.js';
import { Monitor } from './monitor.js';

/** Options of `CheckpointCallback`. */
export type CheckpointCallbackOptions = {
  /** The checkpoint directory (created if needed). */
  dir: string;
  /** Save after every `every` epochs, and after the last (default 1). */
  every?: number;
  /** Keep the newest `keep` checkpoints, plus the best (default 3). */
  keep?: number;
  /**
   * Also keep a `best` checkpoint by this epoch metric (`run.epochMetrics`): `'valid_loss'`,
   * `'train_loss'`, `'valid_<metric>'` (e.g. `'valid_accuracy'`), …
   */
  monitor?: string;
  /** Whether lower or higher `monitor` is better (default `'auto'`: from the name, see `Monitor`). */
  mode?: 'min' | 'max' | 'auto';
  /** Save a checkpoint when the fit is interrupted (Ctrl-C, `run.requestInterrupt()`; default true). */
  saveOnInterrupt?: boolean;
  /** Where notices go: a stale lock taken over, a crashed save's folder removed (default `console.warn`). */
  log?: (line: string) => void;
};

const pad = (n: number, w = 4): string => String(n).padStart(w, '0');
const samePos = (a: RunPosition, b: RunPosition): boolean => a.epoch === b.epoch && a.phase === b.phase && a.iter === b.iter;

/**
 * `new CheckpointCallback({ dir, every = 1, keep = 3, monitor? })`. Layout of `dir`: one folder per
 * checkpoint (`epoch-0003` after three epochs, `epoch-0002-train-0005` for an interrupt five
 * batches into the third epoch) holding `model.safetensors` (PyTorch names and layouts),
 * `optimizer.safetensors` and `state.json`; `latest` and `best` are pointer files naming a folder.
 * Each folder is written to a temporary folder and renamed, and `latest` is replaced last, so a
 * crash mid-save leaves the previous checkpoint current and intact. Every callback that keeps a
 * state (`getState` / `setState`: `Recorder`, `AvgStatsCallback`, your own) is saved with it.
 *
 * At `beginFit` the directory is created if needed and locked (`<dir>/.tfai-lock`, see `lockDir`):
 * a second fit on the same directory, in this process or another, fails there with a message
 * naming the owner, and a directory that cannot be written (read-only, no permission, a path
 * through a file) fails there too, not after the first epoch. A lock left by a process that is gone
 * (`kill -9`) is taken over with a notice. The lock is released when the fit ends, also on an error
 * or Ctrl-C. Temporaries and half-deleted checkpoint folders a crash left are removed at `beginFit`.
 */
export class CheckpointCallback extends Callback {
  /** After the callbacks that record the epoch (so their epoch is complete when saved). */
  override order = 90;
  /** The checkpoint directory. */
  readonly dir: string;
  /** Epochs between checkpoints. */
  readonly every: number;
  /** How many of the newest checkpoints rotation keeps (the best is kept besides). */
  readonly keep: number;
  /** The monitored epoch metric, if any. */
  readonly monitor: Monitor | null;
  /** Whether an interrupted fit saves a checkpoint. */
  readonly saveOnInterrupt: boolean;
  /** Folders written during the last fit, oldest first. */
  saved: string[] = [];
  private seq = 0;
  private bestValue: number | null = null;
  private lock: DirLock | null = null;
  private readonly log: (line: string) => void;

  constructor(opts: CheckpointCallbackOptions) {
    super();
    if (!opts || typeof opts.dir !== 'string' || !opts.dir) throw new TypeError('CheckpointCallback: dir (the checkpoint directory) is required');
    this.dir = opts.dir;
    this.every = opts.every ?? 1;
    this.keep = opts.keep ?? 3;
    checkInt('CheckpointCallback', 'every', this.every, 1);
    checkInt('CheckpointCallback', 'keep', this.keep, 1);
    this.monitor = opts.monitor === undefined ? null : new Monitor('CheckpointCallback', opts.monitor, opts.mode ?? 'auto');
    this.saveOnInterrupt = opts.saveOnInterrupt ?? true;
    this.log = opts.log ?? ((l) => console.warn(l));
  }

  override async beginFit(): Promise<void> {
    this.monitor?.check(this.run); // fail now, naming what can be monitored
    this.saved = [];
    await this.releaseLock(); // an earlier fit's, should its afterFit not have run
    await makeDir(this.dir, 'CheckpointCallback', 'checkpoint directory');
    if (!(await fs.stat(this.dir)).isDirectory()) throw new Error(`CheckpointCallback: the checkpoint directory '${this.dir}' is a file, not a folder`);
    this.lock = await lockDir(this.dir, { by: 'CheckpointCallback', log: this.log }); // also proves the directory writable
    await removeLeftovers(this.dir);
    for (const r of await removeBrokenCheckpoints(this.dir)) {
      this.log(`CheckpointCallback: removed '${path.join(this.dir, r.name)}', a checkpoint folder a crash left incomplete (${r.reason})`);
    }
    const existing = await listCheckpoints(this.dir);
    this.seq = existing.at(-1)?.seq ?? 0;
    const bestName = await readPointer(this.dir, 'best');
    const best = existing.find((c) => c.name === bestName);
    this.bestValue = best?.monitor && best.monitor.name === this.monitor?.name ? best.monitor.value : null;
  }

  /** The fit is over (done, failed or interrupted): release the directory. */
  override async afterFit(): Promise<void> {
    await this.releaseLock();
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }

  override async afterEpoch(): Promise<void> {
    const pos = this.run.position;
    const complete = pos.phase === 'train' && pos.iter === 0 && pos.epoch === this.run.epoch + 1;
    if (!complete || (pos.epoch % this.every !== 0 && pos.epoch !== this.run.epochs)) return;
    const v = this.monitor?.value(this.run);
    await this.save(`epoch-${pad(pos.epoch)}`, v !== undefined && Number.isFinite(v) ? v : null);
  }

  override async afterCancelTrain(): Promise<void> {
    const control = this.run.control;
    if (!control.interrupted || !this.saveOnInterrupt) return;
    const pos = control.position;
    if (control.lastCheckpoint && samePos(control.lastCheckpoint.position, pos)) return;
    const name = pos.phase === 'train' && pos.iter === 0 ? `epoch-${pad(pos.epoch)}` : `epoch-${pad(pos.epoch)}-${pos.phase}-${pad(pos.iter)}`;
    await this.save(name, null);
  }

  /**
   * Write a checkpoint of the run as it stands now; returns its folder.
   * @throws Error naming the checkpoint, the directory and what failed (a full disk, …); the
   *   previous checkpoint and `latest` are then as they were.
   */
  async save(baseName: string, monitorValue: number | null): Promise<string> {
    try {
      return await this.write(baseName, monitorValue);
    } catch (e) {
      const latest = await readPointer(this.dir, 'latest').catch(() => null);
      const kept = latest ? `the last complete checkpoint, '${path.join(this.dir, latest)}', is intact` : 'no earlier checkpoint of this directory was touched';
      throw new Error(`CheckpointCallback: could not save checkpoint '${baseName}' in '${this.dir}': ${(e as Error).message}; ${kept}`, { cause: e });
    }
  }

  private async write(baseName: string, monitorValue: number | null): Promise<string> {
    const captured = await captureRun(this.run);
    const name = await freeName(this.dir, baseName);
    this.seq += 1;
    const state: Omit<CheckpointState, 'files'> = {
      format: 'tfai-checkpoint',
      version: 1,
      name,
      seq: this.seq,
      savedAt: new Date().toISOString(),
      ...captured.state,
      monitor: monitorValue === null || !this.monitor ? null : { name: this.monitor.name, value: monitorValue },
    };
    const folder = await writeCheckpointFolder(this.dir, captured, state);
    if (state.monitor && this.monitor?.isBetter(state.monitor.value, this.bestValue)) {
      this.bestValue = state.monitor.value;
      await setPointer(this.dir, 'best', name);
    }
    await setPointer(this.dir, 'latest', name); // last: until here `latest` names the previous one
    await this.rotate();
    this.saved.push(folder);
    this.run.control.lastCheckpoint = { dir: this.dir, path: folder, position: captured.state.position };
    return folder;
  }

  /** Delete all but the newest `keep` checkpoints, never the `latest` or `best` one. */
  private async rotate(): Promise<void> {
    const all = await listCheckpoints(this.dir);
    const protect = new Set([await readPointer(this.dir, 'latest'), await readPointer(this.dir, 'best'), ...all.slice(-this.keep).map((c) => c.name)]);
    for (const c of all) if (!protect.has(c.name)) await removeCheckpointFolder(this.dir, c.name);
  }
}
