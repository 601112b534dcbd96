/** What checkpoints need of a callback: its name, and its state if it keeps one. */
import type { JsonValue } from '../io/checkpoint-types.js';

/**
 * A callback as checkpoints see it (`Callback` fits): the name it is saved under and, when it
 * implements both, `getState` / `setState` (and `checkState`, to refuse a damaged state first).
 */
export interface StatefulCallback {
  /** Name used in logs and checkpoints: the class name. */
  readonly name: string;
  /** The state checkpoints keep (JSON; may be async). */
  getState?(): JsonValue | Promise<JsonValue>;
  /** Throw, naming the field, when a saved state read back from a checkpoint is not one `setState` accepts. */
  checkState?(state: JsonValue): void;
  /** Restore what `getState` returned. */
  setState?(state: JsonValue): void;
}
