/**
 * The running program, as tfai asks about it: environment variables, process id and host name,
 * the number of cores, Ctrl-C, exiting, standard output and the process's error listeners. Node's
 * `process` and `os` here; in a browser build `process.browser.ts` answers for the page (no
 * environment, no signals, the console for output, `navigator.hardwareConcurrency` cores).
 */
import os from 'node:os';

/** The environment variable `name` (undefined when unset; always undefined in a page). */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** This process's id (0 in a page). */
export function pid(): number {
  return process.pid;
}

/** The user's home folder (`/` in a page: the root of the page's files). */
export function homeDir(): string {
  return os.homedir();
}

/** The machine's host name (`'browser'` in a page). */
export function hostname(): string {
  return os.hostname();
}

/** The number of logical cores (what "all cores" means). */
export function logicalCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** A signal that asks a program to stop: Ctrl-C, a process manager, a closed terminal. */
export type StopSignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Call `handler` on each `signal` until the returned function is called (a page has no signals). */
export function onSignal(signal: StopSignalName, handler: () => void): () => void {
  process.on(signal, handler);
  return () => process.off(signal, handler);
}

/** End the program with `code` (in a page: throws, as a page cannot exit). */
export function exitProgram(code: number): never {
  process.exit(code);
}

/** Call `handler` when the program ends (Node's `exit` event: synchronous work only; a page: when it is hidden for good). */
export function onExit(handler: () => void): void {
  process.on('exit', handler);
}

/** The working directory that relative paths start from (`/` in a page). */
export function cwd(): string {
  return process.cwd();
}

/** Something text can be written to, as `process.stdout` (`isTTY` and `columns` when it is a terminal). */
export type TextSink = { write(chunk: string): unknown; isTTY?: boolean; columns?: number };

/** Standard output (in a page: the console, one call per line). */
export function standardOutput(): TextSink {
  return process.stdout;
}

/** A listener of the process's `uncaughtException` / `unhandledRejection` events. */
export type ErrorListener = (...args: unknown[]) => void;

/** `process` as a plain emitter (its typings list these events separately). */
const proc = process as unknown as { listeners(e: string): ErrorListener[]; off(e: string, l: ErrorListener): void };

/** The process's listeners of `event` (none in a page). */
export function errorListeners(event: 'uncaughtException' | 'unhandledRejection'): ErrorListener[] {
  return proc.listeners(event);
}

/** Remove a listener of `event`. */
export function removeErrorListener(event: 'uncaughtException' | 'unhandledRejection', listener: ErrorListener): void {
  proc.off(event, listener);
}
