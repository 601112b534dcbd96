/**
 * Ctrl-C during training: the first SIGINT asks the fit to stop after the current batch (the
 * runner then ends through the normal `CancelTrainError` path, so checkpoints are written and
 * `afterFit` runs); a second SIGINT aborts at once with exit code 130 (128 + SIGINT, what shells
 * report for an interrupted program).
 */

/** Exit code of an aborted run: 128 + SIGINT (2). */
export const INTERRUPT_EXIT_CODE = 130;

/** Options of `watchInterrupts`. */
export type InterruptWatchOptions = {
  /** Called on the first signal: ask the work to stop soon. */
  onInterrupt: () => void;
  /** Where the notices go (default `console.log`). */
  log?: (line: string) => void;
  /** What the second signal calls (default `process.exit`). */
  exit?: (code: number) => void;
};

/** A listener installed by `watchInterrupts`; `dispose()` removes it (always do, e.g. in `finally`). */
export type InterruptWatch = {
  /** Signals received so far. */
  readonly count: number;
  /** Remove the listener (idempotent). */
  dispose(): void;
};

/**
 * Listen for SIGINT until `dispose()`: the first calls `onInterrupt`, the second exits with code
 * 130. While the listener is installed Node does not end the process on Ctrl-C by itself.
 */
export function watchInterrupts(opts: InterruptWatchOptions): InterruptWatch {
  const log = opts.log ?? ((l: string) => console.log(l));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let count = 0;
  const onSignal = (): void => {
    count++;
    if (count === 1) {
      log('tfai: interrupt received: finishing the current batch, then stopping (press Ctrl-C again to abort at once)');
      opts.onInterrupt();
    } else {
      log(`tfai: second interrupt: aborting now (exit code ${INTERRUPT_EXIT_CODE})`);
      exit(INTERRUPT_EXIT_CODE);
    }
  };
  process.on('SIGINT', onSignal);
  let live = true;
  return {
    get count() {
      return count;
    },
    dispose() {
      if (live) process.off('SIGINT', onSignal);
      live = false;
    },
  };
}
