/**
 * The on-disk format of a checkpoint's `state.json`, shared by the runner (capture and resume) and
 * the checkpoint callback. Written structurally so that `io/` imports nothing of the core.
 */

/** The global RNG's saved state (the core's `RngState`). */
export type SavedRngState = {
  /** The seed given to `setSeed`. */
  seed: number;
  /** The generator's internal state (seedrandom's alea). */
  alea: object;
};

/** A JSON value (what callback states are saved as). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Where a fit stands, as "the next batch to run": `{ epoch: 2, phase: 'train', iter: 0 }` is the
 * boundary after two full epochs; `{ epoch: 1, phase: 'train', iter: 5 }` is mid-epoch.
 */
export type RunPosition = {
  /** The epoch (0-based). */
  epoch: number;
  /** Which loader of the epoch. */
  phase: 'train' | 'valid';
  /** The next batch of that loader (0-based). */
  iter: number;
};

/** A loader's saved state (tfai's `DataLoader.getState()`). */
export type LoaderState = {
  /** The shuffle generator's state when the loader owns one (it was given a `seed`), else null. */
  rng: {
    /** The generator's internal state (seedrandom's alea). */
    alea: Record<string, number>;
  } | null;
  /** The current epoch's order, for a shuffled loader saved mid-epoch; else null. */
  order: number[] | null;
};

/** A loader whose state can be saved and restored (tfai's `DataLoader` is one). */
export interface ResumableLoader {
  /** The state to save; `withOrder` adds the current epoch's order (for a mid-epoch checkpoint). */
  getState(opts?: { withOrder?: boolean }): LoaderState;
  /** Throw if `state` does not fit this loader (changes nothing). */
  checkState(state: LoaderState, opts?: { resumeAt?: number }): void;
  /** Restore `state`; with `resumeAt: k` the next epoch continues the saved one from batch `k`. */
  setState(state: LoaderState, opts?: { resumeAt?: number }): void;
}

/** The optimizer's non-tensor state (its tensors are in `optimizer.safetensors`). */
export type OptimizerMeta = {
  /** Class name (`SGD`, `Adam`): resuming into another optimizer is refused. */
  type: string;
  /** Each group's hyperparameters. */
  hypers: Record<string, number>[];
  /** Steps taken. */
  step: number;
  /** Per-parameter step counts keyed `"<group>.<index>"` (Adam's bias corrections). */
  paramSteps: Record<string, number>;
  /** Each group's parameters by state-dict key, to catch a reordered or different model. */
  params: string[][];
};

/** Everything in `state.json`. */
export type CheckpointState = {
  /** Marks the file as a tfai checkpoint. */
  format: 'tfai-checkpoint';
  /** The format's version. */
  version: 1;
  /** Folder name of this checkpoint. */
  name: string;
  /** Save counter across the directory (orders checkpoints for rotation). */
  seq: number;
  /** When it was written (ISO 8601). */
  savedAt: string;
  /** The TF.js backend the fit ran on. */
  backend: string;
  /** Epochs the fit was asked for (the schedules' denominator). */
  epochs: number;
  /** Where the fit stood: the next batch to run. */
  position: RunPosition;
  /** Fractional epochs of training done (the runner's `nEpochs`). */
  nEpochs: number;
  /** Training batches done (the runner's `nIter`). */
  nIter: number;
  /** The RNG of the fit (its own stream, `getRngState` inside the fit). */
  rng: SavedRngState;
  /** The loaders' states (null for a loader that keeps none). */
  loaders: {
    /** The training loader's. */
    train: LoaderState | null;
    /** The validation loader's. */
    valid: LoaderState | null;
  };
  /** The optimizer's non-tensor state. */
  optimizer: OptimizerMeta;
  /** The monitored value when a `monitor` was given. */
  monitor: {
    /** The epoch metric's name. */
    name: string;
    /** Its value at this checkpoint. */
    value: number;
  } | null;
  /** Callback states (`Recorder` losses, `AvgStatsCallback` history, …) keyed by callback. */
  callbacks: Record<string, JsonValue>;
  /** Size and SHA-256 of every other file of the checkpoint. */
  files: Record<string, {
    /** Size in bytes. */
    bytes: number;
    /** SHA-256, hex. */
    sha256: string;
  }>;
  /**
   * SHA-256 of `JSON.stringify` of this state without this field: damage or an edit of
   * `state.json` is refused as one of the weights file is. (Absent in checkpoints of earlier tfai
   * versions, whose content is still checked field by field.)
   */
  sha256?: string;
};

/**
 * A callback that restores state when a fit resumes: the runner calls `restoreCheckpoint` after the
 * first resumed epoch's `beginEpoch` (so `beginFit` / `beginEpoch` resets are already done).
 */
export interface ResumeAware {
  /** Restore state from the checkpoint being resumed. */
  restoreCheckpoint(state: CheckpointState): void | Promise<void>;
}
