/**
 * A program that makes its first tensor before any backend is ready (it forgot `await
 * initBackend()`) gets one line saying what to call. Left alone, TF.js would start the
 * highest-priority backend (wasm) by itself from inside that first op, then throw "…has not yet been
 * initialized, await tf.ready()": starting wasm installs emscripten's process listeners, so the
 * error printed behind tfjs-backend-wasm's minified code (~40 KB) and the process exited with code 7.
 */

/** The engine fields the guard reads (internal to tfjs-core 4.x). */
type EngineInternals = {
  backendInstance?: unknown;
  pendingBackendInit?: unknown;
  getSortedBackends?: () => string[];
};

/** What a program that forgot `initBackend()` is told. */
export const NO_BACKEND_MESSAGE = "tfai: no backend is ready — call `await initBackend()` (import { initBackend } from 'tfai') once before creating tensors or models";

/** Backends TF.js can only start asynchronously: reaching for one without a backend is the mistake. */
const ASYNC_BACKENDS = new Set(['wasm', 'webgpu', 'webgl']);

/**
 * Wrap `engine`'s `backend` getter (on the instance, the prototype's stays as it is): with no backend
 * started or starting, and an asynchronous one first in TF.js's order, throw `NO_BACKEND_MESSAGE`
 * instead of letting TF.js start it. Anything else goes to TF.js's own getter.
 */
export function guardUninitialisedBackend(engine: object): void {
  const desc = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(engine), 'backend');
  const get = desc?.get;
  if (!get) return; // another TF.js layout: leave it alone
  Object.defineProperty(engine, 'backend', {
    configurable: true,
    get(this: EngineInternals): unknown {
      if (this.backendInstance == null && this.pendingBackendInit == null) {
        const best = this.getSortedBackends?.()[0];
        if (best !== undefined && ASYNC_BACKENDS.has(best)) throw new Error(NO_BACKEND_MESSAGE);
      }
      return get.call(this);
    },
  });
}
