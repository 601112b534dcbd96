/**
 * `CheckpointCallback`: saves everything a fit needs to continue — weights, optimizer state, RNG
 * and loader states, position, and the callbacks' histories — every `every` epochs and when the
 * fit is interrupted, rotating old checkpoints and keeping the best by a monitored value.
 * `run.fit(epochs, learn, { resume: dir })` continues from the newest one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { captureRun } from '../core/run-state.js';
import { freeName, listCheckpoints, readPointer, removeLeftovers, setPointer, writeCheckpointFolder } from '../io/checkpoint-folder.js';
import type { CheckpointState, JsonValue, ResumeAware, RunPosition } from '../io/checkpoint-types.js';
import { checkInt } from '../core/validate.js';
import { AvgStatsCallback } from './avg-stats.js';
import { Recorder } from './recorder.js';

/** Options of `CheckpointCallback`. */
export type CheckpointCallbackOptions = {
  /** The checkpoint directory (created if needed). */
  dir: string;
  /** Save after every `every` epochs, and after the last (default 1). */
  every?: number;
  /** Keep the newest `keep` checkpoints, plus the best (default 3). */
  keep?: number;
  /**
   * Also keep a `best` checkpoint by this value of the `AvgStatsCallback`: `'valid_loss'`,
   * `'train_loss'`, or `'valid_<metric>'` / `'train_<metric>'` (e.g. `'valid_accuracy'`).
   */
  monitor?: string;
  /** Whether lower or higher `monitor` is better (default `'min'` for losses, else `'max'`). */
  mode?: 'min' | 'max';
  /** Save a checkpoint when the fit is interrupted (Ctrl-C, `run.requestInterrupt()`; default true). */
  saveOnInterrupt?: boolean;
};

/**
 * A callback whose state checkpoints keep: implement both methods (the value must be JSON).
 * `Recorder` and `AvgStatsCallback` are handled by `CheckpointCallback` itself.
 */
export interface StatefulCallback {
  /** The callback's state as JSON (saved in `state.json`). */
  getState(): JsonValue;
  /** Restore what `getState` returned (called on resume, after `beginFit` and `beginEpoch`). */
  setState(state: JsonValue): void;
}

const isStateful = (cb: unknown): cb is StatefulCallback => typeof (cb as Partial<StatefulCallback>).getState === 'function' && typeof (cb as Partial<StatefulCallback>).setState === 'function';
const pad = (n: number, w = 4): string => String(n).padStart(w, '0');
const samePos = (a: RunPosition, b: RunPosition): boolean => a.epoch === b.epoch && a.phase === b.phase && a.iter === b.iter;

/**
 * `new CheckpointCallback({ dir, every = 1, keep = 3, monitor? })`. Layout of `dir`: one folder per
 * checkpoint (`epoch-0003` after three epochs, `epoch-0002-train-0005` for an interrupt five
 * batches into the third epoch) holding `model.safetensors` (PyTorch names and layouts),
 * `optimizer.safetensors` and `state.json`; `latest` and `best` are pointer files naming a folder.
 * Each folder is written to a temporary folder and renamed, and `latest` is replaced last, so a
 * crash mid-save leaves the previous checkpoint current and intact.
 */
export class CheckpointCallback extends Callback implements ResumeAware {
  /** After `Recorder` and `AvgStatsCallback` (so their epoch is complete when saved). */
  override order = 90;
  /** The checkpoint directory. */
  readonly dir: string;
  /** Epochs between checkpoints. */
  readonly every: number;
  /** How many of the newest checkpoints rotation keeps (the best is kept besides). */
  readonly keep: number;
  /** The monitored `AvgStatsCallback` value, if any. */
  readonly monitor: string | undefined;
  /** Whether a lower or a higher monitored value is better. */
  readonly mode: 'min' | 'max';
  /** Whether an interrupted fit saves a checkpoint. */
  readonly saveOnInterrupt: boolean;
  /** Folders written during the last fit, oldest first. */
  saved: string[] = [];
  private seq = 0;
  private bestValue: number | null = null;

  constructor(opts: CheckpointCallbackOptions) {
    super();
    if (!opts || typeof opts.dir !== 'string' || !opts.dir) throw new TypeError('CheckpointCallback: dir (the checkpoint directory) is required');
    this.dir = opts.dir;
    this.every = opts.every ?? 1;
    this.keep = opts.keep ?? 3;
    checkInt('CheckpointCallback', 'every', this.every, 1);
    checkInt('CheckpointCallback', 'keep', this.keep, 1);
    this.monitor = opts.monitor;
    this.mode = opts.mode ?? (opts.monitor?.endsWith('loss') ? 'min' : 'max');
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`CheckpointCallback: mode must be 'min' or 'max', got '${String(this.mode)}'`);
    this.saveOnInterrupt = opts.saveOnInterrupt ?? true;
  }

  override async beginFit(): Promise<void> {
    if (this.monitor !== undefined) this.monitorIndex(); // fail now, naming what can be monitored
    this.saved = [];
    await fs.mkdir(this.dir, { recursive: true });
    await removeLeftovers(this.dir);
    const existing = await listCheckpoints(this.dir);
    this.seq = existing.at(-1)?.seq ?? 0;
    const bestName = await readPointer(this.dir, 'best');
    const best = existing.find((c) => c.name === bestName);
    this.bestValue = best?.monitor && best.monitor.name === this.monitor ? best.monitor.value : null;
  }

  override async afterEpoch(): Promise<void> {
    const pos = this.run.position;
    const complete = pos.phase === 'train' && pos.iter === 0 && pos.epoch === this.run.epoch + 1;
    if (!complete || (pos.epoch % this.every !== 0 && pos.epoch !== this.run.epochs)) return;
    await this.save(`epoch-${pad(pos.epoch)}`, this.monitorValue());
  }

  override async afterCancelTrain(): Promise<void> {
    if (!this.run.interrupted || !this.saveOnInterrupt) return;
    const pos = this.run.position;
    if (this.run.lastCheckpoint && samePos(this.run.lastCheckpoint.position, pos)) return;
    const name = pos.phase === 'train' && pos.iter === 0 ? `epoch-${pad(pos.epoch)}` : `epoch-${pad(pos.epoch)}-${pos.phase}-${pad(pos.iter)}`;
    await this.save(name, null);
  }

  /** Write a checkpoint of the run as it stands now; returns its folder. */
  async save(baseName: string, monitorValue: number | null): Promise<string> {
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
      monitor: monitorValue === null || this.monitor === undefined ? null : { name: this.monitor, value: monitorValue },
      callbacks: await this.callbackStates(captured.state.position),
    };
    const folder = await writeCheckpointFolder(this.dir, captured, state);
    if (state.monitor && this.isBetter(state.monitor.value)) {
      this.bestValue = state.monitor.value;
      await setPointer(this.dir, 'best', name);
    }
    await setPointer(this.dir, 'latest', name); // last: until here `latest` names the previous one
    await this.rotate();
    this.saved.push(folder);
    this.run.lastCheckpoint = { dir: this.dir, path: folder, position: captured.state.position };
    return folder;
  }

  /** Restore the callbacks' states saved in `state` (the runner calls this on resume). */
  restoreCheckpoint(state: CheckpointState): void {
    const mid = state.position.phase !== 'train' || state.position.iter > 0;
    for (const [key, cb] of this.keyed()) {
      const s = state.callbacks[key];
      if (s === undefined) continue;
      if (cb instanceof Recorder) restoreRecorder(cb, s);
      else if (cb instanceof AvgStatsCallback) restoreAvgStats(cb, s, mid);
      else if (isStateful(cb)) cb.setState(s);
    }
  }

  private keyed(): [string, Callback][] {
    const seen = new Map<string, number>();
    return this.run.cbs.map((cb) => {
      const n = seen.get(cb.name) ?? 0;
      seen.set(cb.name, n + 1);
      return [n ? `${cb.name}#${n}` : cb.name, cb];
    });
  }

  private async callbackStates(pos: RunPosition): Promise<Record<string, JsonValue>> {
    const out: Record<string, JsonValue> = {};
    for (const [key, cb] of this.keyed()) {
      if (cb instanceof Recorder) out[key] = { lrs: cb.lrs, losses: cb.losses };
      else if (cb instanceof AvgStatsCallback) out[key] = await avgStatsState(cb, pos);
      else if (isStateful(cb)) out[key] = cb.getState();
    }
    return out;
  }

  private monitorIndex(): { stats: AvgStatsCallback; phase: 'train' | 'valid'; index: number } {
    const stats = this.run.cbs.find((c): c is AvgStatsCallback => c instanceof AvgStatsCallback);
    if (!stats) throw new Error(`CheckpointCallback: monitor '${this.monitor}' needs an AvgStatsCallback in the runner`);
    const names = stats.names.flatMap((n) => [`train_${n}`, `valid_${n}`]);
    const m = /^(train|valid)_(.+)$/.exec(this.monitor ?? '');
    const index = m ? stats.names.indexOf(m[2]) : -1;
    if (!m || index < 0) throw new RangeError(`CheckpointCallback: cannot monitor '${this.monitor}' (available: ${names.join(', ')})`);
    return { stats, phase: m[1] as 'train' | 'valid', index };
  }

  private monitorValue(): number | null {
    if (this.monitor === undefined) return null;
    const { stats, phase, index } = this.monitorIndex();
    const last = stats.history.at(-1);
    const v = last?.epoch === this.run.epoch ? last[phase][index] : undefined;
    return v === undefined || !Number.isFinite(v) ? null : v;
  }

  private isBetter(v: number): boolean {
    return this.bestValue === null || (this.mode === 'min' ? v < this.bestValue : v > this.bestValue);
  }

  /** Delete all but the newest `keep` checkpoints, never the `latest` or `best` one. */
  private async rotate(): Promise<void> {
    const all = await listCheckpoints(this.dir);
    const protect = new Set([await readPointer(this.dir, 'latest'), await readPointer(this.dir, 'best'), ...all.slice(-this.keep).map((c) => c.name)]);
    for (const c of all) if (!protect.has(c.name)) await fs.rm(path.join(this.dir, c.name), { recursive: true, force: true });
  }
}

type AvgStatsPartial = { avg: number[]; count: number };
/** `AvgStats` keeps its device-side sums private; the adapter reaches them through this view. */
type AvgStatsInternals = { tot: tf.Tensor1D | null; count: number; avgStats: number[]; read(): Promise<number[]> };

async function avgStatsState(cb: AvgStatsCallback, pos: RunPosition): Promise<JsonValue> {
  const history = cb.history.filter((h) => h.epoch < pos.epoch) as unknown as JsonValue;
  const mid = pos.phase !== 'train' || pos.iter > 0;
  if (!mid) return { history, partial: null };
  const part = async (s: AvgStatsInternals): Promise<AvgStatsPartial> => ({ avg: s.count ? await s.read() : [], count: s.count });
  const train = await part(cb.trainStats as unknown as AvgStatsInternals);
  const valid = await part(cb.validStats as unknown as AvgStatsInternals);
  return { history, partial: { train, valid } };
}

function restoreAvgStats(cb: AvgStatsCallback, s: JsonValue, mid: boolean): void {
  const st = s as { history: AvgStatsCallback['history']; partial: { train: AvgStatsPartial; valid: AvgStatsPartial } | null };
  cb.history.splice(0, cb.history.length, ...st.history);
  if (!mid || !st.partial) return;
  for (const [stats, p] of [[cb.trainStats, st.partial.train], [cb.validStats, st.partial.valid]] as const) {
    const inner = stats as unknown as AvgStatsInternals;
    stats.reset();
    if (p.count > 0 && p.avg.length) {
      inner.tot = tf.tensor1d(p.avg.map((a) => a * p.count));
      inner.count = p.count;
    }
  }
}

function restoreRecorder(cb: Recorder, s: JsonValue): void {
  const st = s as { lrs: number[][]; losses: number[] };
  cb.lrs = st.lrs.map((g) => [...g]);
  cb.losses = [...st.losses];
}
