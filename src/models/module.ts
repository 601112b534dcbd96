/**
 * A PyTorch-like `Module` on TF.js: parameters and buffers are `tf.Variable`s registered by name,
 * children form a tree whose dotted paths are the state-dict keys PyTorch uses (`0.0.weight`,
 * `1.running_mean`), and `forward(x)` fires the module's forward hooks through a `mitt` emitter.
 *
 * Subclasses write `forward(x)` as in PyTorch; the base class wraps it once per instance so that
 * every call fires hooks and reports failures naming the module.
 */
import mitt, { type Emitter } from 'mitt';
import { tf } from '../backend/tf.js';
import { ModuleError, fmtShape } from './module-error.js';
import type { LayoutKind, StateDict } from '../io/persistable.js';

/** What a forward hook receives: the module, its input and its output (valid only during the call). */
export type ForwardHookEvent = {
  /** The module that ran. */
  module: Module;
  /** Its input. */
  input: tf.Tensor;
  /** Its output. */
  output: tf.Tensor;
};

/** The events a module emits. */
export type ModuleEvents = {
  /** After every `forward` call. */
  forward: ForwardHookEvent;
};

export type { StateDict };

/** Calls of `withoutHooks` in progress: while above 0, no module fires its forward hooks. */
let hooksMuted = 0;

function describeValue(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : `${typeof v} ${String(v)}`;
}

/** The base class of every layer and model. */
export abstract class Module {
  /** Training mode (batch statistics, dropout on) or eval mode. */
  training = true;
  /** The per-module emitter behind forward hooks (`Hook` / `Hooks` subscribe to `'forward'`). */
  readonly events: Emitter<ModuleEvents> = mitt<ModuleEvents>();

  private readonly params = new Map<string, tf.Variable>();
  private readonly bufs = new Map<string, tf.Variable>();
  private readonly mods = new Map<string, Module>();
  private hookCount = 0;

  constructor() {
    // Wrap the subclass's forward once, so `m.forward(x)` is the one way to run a module and it
    // always fires hooks; errors from TF.js are re-raised naming the innermost failing module.
    const impl = this.forward;
    Object.defineProperty(this, 'forward', {
      configurable: true,
      writable: true,
      value: (x: tf.Tensor): tf.Tensor => {
        let out: tf.Tensor;
        try {
          out = impl.call(this, x);
        } catch (e) {
          if (e instanceof ModuleError) throw e;
          const msg = e instanceof Error ? e.message : String(e);
          throw new ModuleError(this, `${this.describe()} failed on input ${fmtShape(x.shape)}: ${msg}`, { cause: e });
        }
        if (this.hookCount > 0 && hooksMuted === 0) this.events.emit('forward', { module: this, input: x, output: out });
        return out;
      },
    });
  }

  /** Run the module. Subclasses implement it; callers always go through it. */
  abstract forward(x: tf.Tensor): tf.Tensor;

  /** Register a trainable parameter under `name` (created from `init`, which is then disposed). */
  protected registerParameter(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, undefined, init.dtype);
    init.dispose();
    this.params.set(name, v);
    return v;
  }

  /** Register a non-trainable state tensor (running statistics, counts) under `name`. */
  protected registerBuffer(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, false, undefined, init.dtype);
    init.dispose();
    this.bufs.set(name, v);
    return v;
  }

  /** Register a child module under `name` (its keys become `name.…`). Returns the child. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.mods.set(name, m);
    return m;
  }

  /** Direct children, in registration order. */
  children(): Module[] {
    return [...this.mods.values()];
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.mods.entries()];
  }

  /** This module and every descendant, depth first, each once (as PyTorch's `modules()`). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * This module (name `''`) and every descendant with its dotted path, depth first. A module that
   * appears more than once in the tree (weight tying: the same `Linear` used twice) is listed once,
   * under its first path, as PyTorch's `named_modules()`; `{ removeDuplicate: false }` lists it
   * under every path (what the state dict does).
   */
  namedModules(prefix = '', opts: { removeDuplicate?: boolean } = {}): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = opts.removeDuplicate === false ? null : new Set<Module>();
    const walk = (m: Module, path: string): void => {
      if (seen) {
        if (seen.has(m)) return;
        seen.add(m);
      }
      out.push([path, m]);
      for (const [name, c] of m.mods) walk(c, path ? `${path}.${name}` : name);
    };
    walk(this, prefix);
    return out;
  }

  /**
   * Every trainable parameter with its dotted PyTorch-style name, each once: a parameter reachable
   * under several paths (a module used twice) is listed under its first, as PyTorch's
   * `named_parameters()`, so an optimizer built from `parameters()` updates it once per step.
   */
  namedParameters(): [string, tf.Variable][] {
    return this.collect((m) => m.params);
  }

  /** Every trainable parameter. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(): [string, tf.Variable][] {
    return this.collect((m) => m.bufs);
  }

  /** Every buffer (running statistics and counts). */
  buffers(): tf.Variable[] {
    return this.namedBuffers().map(([, v]) => v);
  }

  private collect(pick: (m: Module) => Map<string, tf.Variable>): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    const seen = new Set<tf.Variable>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, v] of pick(m)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([path ? `${path}.${name}` : name, v]);
      }
    }
    return out;
  }

  /** Switch this module and its descendants to training (`true`) or eval mode. Returns `this`. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Switch to eval mode (running statistics, no dropout). Returns `this`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters then buffers of every module, keyed as PyTorch keys them. The tensors are the live
   * variables: clone them if they must survive further training. A module used under several
   * paths appears under each (PyTorch's `state_dict()` does the same: `0.weight` and `2.weight` of
   * `Sequential(lin, relu, lin)` are one variable).
   */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [path, m] of this.namedModules('', { removeDuplicate: false })) {
      const pre = path ? `${path}.` : '';
      for (const [n, v] of m.params) sd[pre + n] = v;
      for (const [n, v] of m.bufs) sd[pre + n] = v;
    }
    return sd;
  }

  /**
   * Copy `sd` into this module's parameters and buffers. Everything is checked before anything is
   * written: a missing or unexpected key, a disposed tensor, or a shape mismatch, throws naming the
   * key (and both shapes) and leaves the module untouched.
   *
   * The values are copied as they were when the call began, so `sd` may hold the module's own
   * tensors: `m.loadStateDict(m.stateDict())` changes nothing, `{ ...m.stateDict(), weight: w }`
   * writes only `weight`, and swapping two of the module's tensors swaps their values. `sd` stays
   * the caller's (nothing in it is disposed or aliased by the module afterwards).
   */
  loadStateDict(sd: StateDict, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const extra = Object.keys(sd).filter((k) => !(k in own));
    if (strict && missing.length) throw new Error(`loadStateDict: missing key '${missing[0]}'${missing.length > 1 ? ` (and ${missing.length - 1} more: ${missing.slice(1, 5).join(', ')})` : ''}`);
    if (strict && extra.length) throw new Error(`loadStateDict: unexpected key '${extra[0]}'${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
    const writes: [tf.Variable, tf.Tensor][] = [];
    for (const [k, v] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (!(src instanceof tf.Tensor)) throw new TypeError(`loadStateDict: '${k}' is not a tensor (got ${describeValue(src)})`);
      if (src.isDisposed) throw new Error(`loadStateDict: '${k}' has been disposed`);
      if (!tf.util.arraysEqual(src.shape, v.shape)) {
        throw new Error(`loadStateDict: shape mismatch for '${k}': model has ${fmtShape(v.shape)}, state dict has ${fmtShape(src.shape)}`);
      }
      writes.push([v as tf.Variable, src]);
    }
    // Snapshot every source before the first write: a source may be one of the module's own
    // variables (or share its data), which an earlier write would otherwise change under it.
    // `Variable.assign` of a variable's own data frees that data first, so same-data writes are skipped.
    const values = writes.map(([v, src]) => (src.dtype === v.dtype ? tf.clone(src) : tf.cast(src, v.dtype)));
    try {
      writes.forEach(([v], i) => {
        if (values[i].dataId !== v.dataId) v.assign(values[i]);
      });
    } finally {
      tf.dispose(values);
    }
  }

  /**
   * Run `fn` (synchronous) with every module's forward hooks silent: forward passes that are not
   * part of training — the runner's memory probe before the first step — leave no trace in
   * `appendStats` or any other hook.
   */
  withoutHooks<T>(fn: () => T): T {
    hooksMuted++;
    try {
      return fn();
    } finally {
      hooksMuted--;
    }
  }

  /** Subscribe `fn` to this module's forward calls; returns the function that unsubscribes it. */
  onForward(fn: (e: ForwardHookEvent) => void): () => void {
    this.events.on('forward', fn);
    this.hookCount++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.events.off('forward', fn);
      this.hookCount--;
    };
  }

  /** Free every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const v of [...this.parameters(), ...this.buffers()]) v.dispose();
  }

  /**
   * This module's own parameters whose TF.js layout differs from PyTorch's (`Conv2d` and `Linear`
   * weights), so weights files can be written and read in PyTorch's layout. Default: none.
   */
  torchLayouts(): Record<string, LayoutKind> {
    return {};
  }

  /** The arguments shown in `toString()`, as PyTorch's `extra_repr` (e.g. `1, 8, kernel_size=(5, 5)`). */
  extraRepr(): string {
    return '';
  }

  /** Short one-line description used in error messages: `Conv2d(1, 8, kernel_size=(5, 5), …)`. */
  describe(): string {
    return `${this.constructor.name}(${this.extraRepr()})`;
  }

  /** The module tree, printed like PyTorch's `print(model)`. */
  toString(): string {
    const kids = this.namedChildren();
    if (!kids.length) return this.describe();
    const lines = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    const extra = this.extraRepr();
    return `${this.constructor.name}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }
}
