/** Whether wasm threads can share memory here, the same test in Node and in a page. */

/** Why this JavaScript engine cannot share memory between wasm threads, or undefined when it can. */
export function sharedMemoryObstacle(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'no SharedArrayBuffer/Atomics';
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(m.buffer instanceof SharedArrayBuffer)) return 'no shared WebAssembly memory';
  } catch {
    return 'no shared WebAssembly memory';
  }
  return undefined;
}
