/**
 * One turn of the event loop: what a long synchronous computation awaits now and then so that
 * signals, timers, I/O and (in a page) rendering and input get their turn. Node's `setImmediate`
 * here; `event-loop.browser.ts` posts a message to itself (a page's `setTimeout(0)` waits ≥ 4 ms
 * once nested).
 */

/** Resolves after one turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
