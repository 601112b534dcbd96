/**
 * The page's answers to `process.ts`: no environment variables, process id 0, host `browser`,
 * `navigator.hardwareConcurrency` cores, no signals, no exit, and the console for output.
 */
import type * as NodeProcess from './process.js';

export type { TextSink, ErrorListener, StopSignalName } from './process.js';

export const env: typeof NodeProcess.env = () => undefined;

export const pid: typeof NodeProcess.pid = () => 0;

export const homeDir: typeof NodeProcess.homeDir = () => '/';
export const hostname: typeof NodeProcess.hostname = () => 'browser';

export const logicalCores: typeof NodeProcess.logicalCores = () => {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
};

export const onSignal: typeof NodeProcess.onSignal = () => () => {};

export const onExit: typeof NodeProcess.onExit = (handler) => {
  globalThis.addEventListener?.('pagehide', (e) => {
    if (!(e as PageTransitionEvent).persisted) handler();
  });
};

export const cwd: typeof NodeProcess.cwd = () => '/';

export const exitProgram: typeof NodeProcess.exitProgram = (code) => {
  throw new Error(`exit(${code}): a web page cannot exit`);
};

/** Writes whole lines to the console (a page has no standard output); not a terminal. */
class ConsoleSink implements NodeProcess.TextSink {
  private pending = '';

  write(chunk: string): boolean {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) console.log(line.replace(/\r/g, ''));
    return true;
  }
}

const sink = new ConsoleSink();

export const standardOutput: typeof NodeProcess.standardOutput = () => sink;

export const errorListeners: typeof NodeProcess.errorListeners = () => [];

export const removeErrorListener: typeof NodeProcess.removeErrorListener = () => {};
