/**
 * The page's `AsyncContext`: browsers have no way yet to follow a value through awaits (the TC39
 * AsyncContext proposal), so the value is set when `run` starts and restored when its promise
 * settles. Work of one `run` sees its value, awaited work included; so does other code of the page
 * that runs meanwhile (a page runs one fit at a time: that is enough for tfai's per-fit RNG stream).
 */
import type * as NodeAsyncContext from './async-context.js';

export type { AsyncContext } from './async-context.js';

export const createAsyncContext: typeof NodeAsyncContext.createAsyncContext = <T>() => {
  let current: T | undefined;
  return {
    get: () => current,
    async run<R>(value: T, fn: () => Promise<R>): Promise<R> {
      const before = current;
      current = value;
      try {
        return await fn();
      } finally {
        current = before;
      }
    },
  };
};
