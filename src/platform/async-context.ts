/**
 * A value that follows a piece of asynchronous work: set for `fn` by `run(value, fn)`, read by
 * `get()` anywhere inside it, awaited work included. Node's `AsyncLocalStorage` here; in a browser
 * build `async-context.browser.ts` takes its place (see there for what a page can follow).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One context variable. */
export interface AsyncContext<T> {
  /** The value of the innermost `run` this code runs in, else undefined. */
  get(): T | undefined;
  /** Run `fn` with the value `value`, for everything it does, awaited work included. */
  run<R>(value: T, fn: () => Promise<R>): Promise<R>;
}

/** A new context variable. */
export function createAsyncContext<T>(): AsyncContext<T> {
  const storage = new AsyncLocalStorage<T>();
  return { get: () => storage.getStore(), run: (value, fn) => storage.run(value, fn) };
}
