/**
 * Stopping a fit from outside: Ctrl-C (SIGINT), and SIGTERM / SIGHUP (a process manager stopping
 * the job, a closed terminal) treated the same way. The first signal asks the fit to stop after
 * the current batch (the runner then ends through the normal `CancelTrainError` path, so
 * checkpoints are written, locks released and `afterFit` runs); a second aborts at once with exit
 * code 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP: what shells
 * report for a program ended by that signal). A page has no signals: there `run.requestInterrupt()`
 * stops a fit.
 */
import { exitProgram, onSignal as listen } from '../platform/process.js';

/** Exit code of a run aborted by a second Ctrl-C: 128 + SIGINT (2). */
export const INTERRUPT_EXIT_CODE = 130;

/** The signals a fit listens for, with the exit code of an abort by each (128 + its number). */
export const STOP_SIGNALS = { SIGINT: INTERRUPT_EXIT_CODE, SIGTERM: 143, SIGHUP: 129 } as const;

/** A signal that stops a fit. */
export type StopSignal = keyof typeof STOP_SIGNALS;

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
 * Listen for SIGINT, SIGTERM and SIGHUP until `dispose()`: the first calls `onInterrupt`, the
 * second (of any of them) exits with 128 + its number. While the listeners are installed Node does
 * not end the process on those signals by itself.
 */
export function watchInterrupts(opts: InterruptWatchOptions): InterruptWatch {
  const log = opts.log ?? ((l: string) => console.log(l));
  const exit = opts.exit ?? ((code: number) => exitProgram(code));
  let count = 0;
  const say = (line: string): void => {
    try {
      log(line);
    } catch {
      // a closed terminal (SIGHUP) may refuse the write: stopping matters more than saying so
    }
  };
  const onSignal = (signal: StopSignal): void => {
    count++;
    const what = signal === 'SIGINT' ? 'interrupt' : `${signal}`;
    if (count === 1) {
      say(`tfai: ${what} received: finishing the current batch, then stopping (${signal === 'SIGINT' ? 'press Ctrl-C' : `send ${signal}`} again to abort at once)`);
      opts.onInterrupt();
    } else {
      const code = STOP_SIGNALS[signal];
      say(`tfai: second ${what}: aborting now (exit code ${code})`);
      exit(code);
    }
  };
  const stops = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => listen(signal, () => onSignal(signal)));
  let live = true;
  return {
    get count() {
      return count;
    },
    dispose() {
      if (live) for (const stop of stops) stop();
      live = false;
    },
  };
}
