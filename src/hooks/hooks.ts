/**
 * Forward hooks, as the course's `Hook` / `Hooks`: run a function on a module's output every time
 * the module runs, keeping whatever state the function wants on the hook (`hook.stats`).
 *
 * ```ts
 * {
 *   using hooks = new Hooks(model.children().slice(0, 5), appendStats); // `with Hooks(...) as hooks:`
 *   await run.fit(1, learn);
 *   hooks[0].stats?.means;                                               // one per training batch
 * }                                                                      // removed here
 * ```
 * `using` is compiled by TypeScript (target ES2022) and by esbuild (tsx, vitest, tsup) and runs on
 * Node 20. Where it is not available, write
 * `const hooks = new Hooks(...); try { … } finally { hooks.remove(); }`.
 */
import { tf } from '../backend/tf.js';
import { Module, type ForwardHookEvent } from '../models/module.js';

/**
 * A hook function: called after every forward call of the hooked module with the hook (whose
 * `stats` it may set and update) and the event `{ module, input, output }`. The tensors are valid
 * only during the call, and in training the call runs inside the gradient tape's scope: a tensor
 * the function wants to keep must be `tf.keep`'d (and is then the state's to dispose, see `Hook`).
 * A function with an `initStats` property gets `hook.stats = initStats()` when the hook is made.
 */
export type HookFn<S = unknown> = ((hook: Hook<S>, event: ForwardHookEvent) => void) & {
  /** The hook's initial `stats`. */
  initStats?: () => S;
};

/** A state that copies device data to the host with `flush()` (e.g. `ActivationStats`). */
type Flushable = { flush(): Promise<void> };
const isFlushable = (s: unknown): s is Flushable => s !== null && typeof s === 'object' && typeof (s as Partial<Flushable>).flush === 'function';

/** Free what a hook's state holds: tensors (also in arrays) or anything with a `dispose()` method. */
function disposeState(s: unknown): void {
  if (s instanceof tf.Tensor) {
    if (!s.isDisposed) s.dispose();
  } else if (Array.isArray(s)) {
    for (const x of s) disposeState(x);
  } else if (s !== null && typeof s === 'object' && typeof (s as { dispose?: unknown }).dispose === 'function') {
    (s as { dispose(): void }).dispose();
  }
}

/**
 * `new Hook(module, fn)`: calls `fn(hook, event)` after each `module.forward(x)` until `remove()`
 * (or `[Symbol.dispose]()`, so `using hook = new Hook(...)` removes it at the end of the block).
 *
 * A removed hook never fires again. On removal its state is released: a tensor (or array of
 * tensors) in `stats` is disposed, and a `stats` object with a `dispose()` method (such as
 * `ActivationStats`, which first copies its numbers to the host) has it called. The hook knows
 * nothing of what the state is.
 */
export class Hook<S = unknown> implements Disposable {
  /** The hooked module. */
  readonly module: Module;
  /** Whatever state the hook function keeps (the course's `hook.stats`); `undefined` until it sets it. */
  stats: S | undefined = undefined;
  private off: (() => void) | null;

  constructor(module: Module, fn: HookFn<S>) {
    if (!(module instanceof Module)) throw new TypeError(`Hook: expected a Module, got ${String(module)}`);
    if (typeof fn !== 'function') throw new TypeError('Hook: fn must be a function (hook, { module, input, output }) => void');
    this.module = module;
    if (fn.initStats) this.stats = fn.initStats();
    this.off = module.onForward((e) => fn(this, e));
  }

  /** Whether `remove()` was called. */
  get removed(): boolean {
    return this.off === null;
  }

  /** Unsubscribe from the module and release the state (idempotent). */
  remove(): void {
    if (!this.off) return;
    this.off();
    this.off = null;
    disposeState(this.stats);
  }

  /** `remove()`, for `using`. */
  [Symbol.dispose](): void {
    this.remove();
  }
}

/**
 * `new Hooks(modules, fn)`: one `Hook` per module, with the same `fn`, as the course's `Hooks`.
 * `modules` is a list of modules, or one module whose direct children are hooked (as iterating an
 * `nn.Sequential` in Python). Indexable (`hooks[0]`, `hooks.at(-1)`, `hooks.slice(0, -1)`),
 * iterable, and disposable: `using hooks = new Hooks(...)` removes every hook at the end of the block.
 */
export class Hooks<S = unknown> implements Iterable<Hook<S>>, Disposable {
  /** The i-th hook. */
  readonly [i: number]: Hook<S>;
  private readonly list: Hook<S>[];

  constructor(modules: Module | Iterable<Module>, fn: HookFn<S>) {
    const ms = modules instanceof Module ? modules.children() : [...modules];
    this.list = [];
    try {
      for (const m of ms) this.list.push(new Hook(m, fn));
    } catch (e) {
      for (const h of this.list) h.remove();
      throw e;
    }
    this.list.forEach((h, i) => Object.defineProperty(this, i, { value: h, enumerable: true }));
  }

  /** Number of hooks. */
  get length(): number {
    return this.list.length;
  }

  /** The i-th hook (negative counts from the end); `undefined` when out of range. */
  at(i: number): Hook<S> | undefined {
    return this.list.at(i);
  }

  /** A plain array of the hooks from `start` to `end` (as `Array.prototype.slice`). */
  slice(start?: number, end?: number): Hook<S>[] {
    return this.list.slice(start, end);
  }

  /** Iterate the hooks in module order. */
  [Symbol.iterator](): Iterator<Hook<S>> {
    return this.list[Symbol.iterator]();
  }

  /** Let every hook's state copy its device data to the host (`stats.flush()` where the state has one). */
  async flush(): Promise<void> {
    for (const h of this.list) if (isFlushable(h.stats)) await h.stats.flush();
  }

  /** Remove every hook (idempotent). */
  remove(): void {
    for (const h of this.list) h.remove();
  }

  /** `remove()`, for `using`. */
  [Symbol.dispose](): void {
    this.remove();
  }
}
