/**
 * The epoch's numbers by name. After each epoch the callbacks that measure something (the loss and
 * metric averages of `AvgStatsCallback`, …) write them into `run.epochMetrics` in their `afterEpoch`,
 * and every later consumer — progress table, early stopping, checkpoints, logs, plots — reads the
 * same names: `train_loss`, `valid_loss`, `train_<metric>`, `valid_<metric>`, and `time` (seconds
 * the epoch took, set by the runner).
 */

/** One epoch's named numbers: `{ epoch: 2, train_loss: 0.21, valid_loss: 0.25, valid_accuracy: 0.93, time: 1.4 }`. */
export type EpochMetrics = {
  /** The epoch (0-based). */
  epoch: number;
  /** Every other number, by name (`train_loss`, `valid_accuracy`, `time`, …). */
  [name: string]: number;
};

/** The names `Runner` itself puts in every epoch's record. */
export const RUNNER_METRIC_NAMES = ['epoch', 'time'] as const;
