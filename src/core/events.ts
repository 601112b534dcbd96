/** The runner's lifecycle events, in the notebooks' names (camelCase). */

/** Every lifecycle event, in the order a fit emits them. */
export const EVENT_NAMES = [
  'beginFit',
  'beginEpoch',
  'beginBatch',
  'afterPred',
  'afterLoss',
  'afterBackward',
  'afterStep',
  'afterCancelBatch',
  'afterBatch',
  'beginValidate',
  'afterCancelEpoch',
  'afterEpoch',
  'afterCancelTrain',
  'afterFit',
] as const;

/** One lifecycle event name. */
export type EventName = (typeof EVENT_NAMES)[number];

/** What `run.events$` publishes after the callbacks of an event ran. */
export type RunnerEvent = {
  /** The event. */
  name: EventName;
  /** Epoch index (0-based). */
  epoch: number;
  /** Batch index within the current loader (0-based). */
  iter: number;
  /** Whether the current loop is training (vs validation). */
  inTrain: boolean;
  /** Training progress in epochs (fractional), as the course's `n_epochs`. */
  nEpochs: number;
};
