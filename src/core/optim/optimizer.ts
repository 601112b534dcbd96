/**
 * The optimizer base: parameter groups, each with its own hyperparameters (`lr`, `mom`, `wd`, …)
 * readable and settable between steps, per-parameter state kept as non-trainable variables, and a
 * serialisable state for checkpoints. Subclasses write one parameter's update.
 */
import { tf } from '../../backend/tf.js';

/** Hyperparameters of one parameter group. */
export type Hypers = Record<string, number>;

/** A group of parameters sharing hyperparameter values. */
export type ParamGroup = {
  /** The group's parameters. */
  params: tf.Variable[];
  /** Its hyperparameters (`lr`, `mom`, `wd`, …). */
  hypers: Hypers;
};

/** What `Optimizer.stateDict()` returns: hyperparameters per group and every parameter's state. */
export type OptimizerState = {
  /** Each group's hyperparameters. */
  hypers: Hypers[];
  /** Keyed `"<group>.<index in group>.<state name>"`. */
  state: Record<string, tf.Tensor>;
  /** Steps taken so far. */
  step: number;
  /** Per-parameter step counts (keyed `"<group>.<index>"`), for bias corrections. */
  paramSteps: Record<string, number>;
};

/**
 * The values a hyperparameter may take: `[min, max]`, either end open. Hyperparameters without one
 * must be finite and >= 0.
 */
export type HyperRange = {
  /** The least value (excluded with `minOpen`). */
  min: number;
  /** The greatest value (excluded with `maxOpen`; `Infinity`: any finite value). */
  max: number;
  /** Whether `min` itself is refused (eps > 0). */
  minOpen?: boolean;
  /** Whether `max` itself is refused (momentum < 1). */
  maxOpen?: boolean;
};

/** The ranges of the hyperparameters tfai's optimizers share (subclasses add their own). */
export const HYPER_RANGES: Readonly<Record<string, HyperRange>> = {
  lr: { min: 0, max: Infinity, maxOpen: true },
  wd: { min: 0, max: Infinity, maxOpen: true },
  mom: { min: 0, max: 1, maxOpen: true },
  beta1: { min: 0, max: 1, maxOpen: true },
  beta2: { min: 0, max: 1, maxOpen: true },
  eps: { min: 0, max: Infinity, minOpen: true, maxOpen: true },
};

/** Why `v` is not a valid value of hyperparameter `name` under `range`, or null when it is. */
export function hyperProblem(name: string, v: unknown, range: HyperRange | undefined): string | null {
  const r = range ?? { min: 0, max: Infinity, maxOpen: true };
  const shown = typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  const ok = typeof v === 'number' && Number.isFinite(v) && (r.minOpen ? v > r.min : v >= r.min) && (r.maxOpen ? v < r.max : v <= r.max);
  if (ok) return null;
  const want =
    r.max === Infinity ? `a finite number ${r.minOpen ? '>' : '>='} ${r.min}` : `in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
  return `hyperparameter '${name}' must be ${want}, got ${shown}`;
}

/** Creates an optimizer for parameter groups and a base learning rate (what `Learner` calls). */
export type OptFunc = (groups: tf.Variable[][], lr: number) => Optimizer;

/**
 * `groups` with each parameter once (a parameter listed twice — a tied weight — is one parameter
 * and gets one update per step, as in PyTorch).
 * @throws Error naming the parameter (by `names`, else its variable name and shape) when it is in
 *   two groups: its hyperparameters would be ambiguous (PyTorch refuses this too).
 */
export function uniqueGroups(groups: tf.Variable[][], where: string, names?: Map<tf.Variable, string>): tf.Variable[][] {
  const groupOf = new Map<tf.Variable, number>();
  return groups.map((params, gi) =>
    params.filter((p) => {
      const g = groupOf.get(p);
      if (g === gi) return false;
      if (g !== undefined) {
        const name = names?.get(p) ?? `variable '${p.name}' [${p.shape.join(', ')}]`;
        throw new Error(`${where}: parameter ${name} appears in parameter groups ${g} and ${gi}; a parameter can be in one group only (check the splitter)`);
      }
      groupOf.set(p, gi);
      return true;
    }),
  );
}

/** Base class of `SGD` and `Adam`. */
export abstract class Optimizer {
  /** The groups, in the order the learner's splitter gave them. */
  readonly paramGroups: ParamGroup[];
  /** Steps taken so far. */
  stepCount = 0;
  /** Groups before this index are frozen (fastai's `frozen_idx`; 0: every group trains). */
  frozenIdx = 0;
  /** Parameters of frozen groups that train all the same (norm layers', see `freezeTo`). */
  private readonly forceTrain = new Set<tf.Variable>();
  /** Parameters that get no weight decay whatever their group's `wd` (see `excludeFromWeightDecay`). */
  private readonly noDecay = new Set<tf.Variable>();
  private zeroWd: tf.Scalar | null = null;
  private readonly state = new Map<tf.Variable, Record<string, tf.Variable>>();
  private readonly paramSteps = new Map<tf.Variable, number>();
  private readonly scalars: Record<string, { value: number; tensor: tf.Scalar }>[] = [];

  /** Each hyperparameter's range (see `HYPER_RANGES`); one without a range must be finite and >= 0. */
  readonly hyperRanges: Readonly<Record<string, HyperRange>>;

  constructor(groups: tf.Variable[][], defaults: Hypers, ranges: Record<string, HyperRange> = HYPER_RANGES) {
    if (groups.length === 0) throw new Error(`${this.constructor.name}: needs at least one parameter group`);
    this.hyperRanges = ranges;
    for (const [k, v] of Object.entries(defaults)) this.checkHyper(k, v);
    this.paramGroups = uniqueGroups(groups, this.constructor.name).map((params) => ({ params, hypers: { ...defaults } }));
  }

  /**
   * Throw a `RangeError` naming the hyperparameter and its range when `value` is not a valid value
   * of `name` (`beta1` 1, momentum 1.5, a negative or non-finite lr, eps 0, …; an alias has the range
   * of what it stands for); `where` prefixes it.
   */
  checkHyper(name: string, value: unknown, where = this.constructor.name): void {
    const problem = hyperProblem(name, value, this.hyperRanges[this.hyperAliases[name] ?? name]);
    if (problem) throw new RangeError(`${where}: ${problem}`);
  }

  /** Names of the hyperparameters this optimizer has. */
  get hyperNames(): string[] {
    return Object.keys(this.paramGroups[0].hypers);
  }

  /**
   * Other names of hyperparameters, alias → name. Every optimizer with a momentum answers to
   * `mom` (fastai's convention): SGD's is its own `mom`, Adam's is `beta1`.
   */
  protected get hyperAliases(): Readonly<Record<string, string>> {
    return {};
  }

  /** Whether `name` is one of this optimizer's hyperparameters, or an alias of one (`mom` on Adam). */
  hasHyper(name: string): boolean {
    return (this.hyperAliases[name] ?? name) in this.paramGroups[0].hypers;
  }

  /** The hyperparameter `name` stands for (`beta1` for `mom` on Adam; a name stands for itself), or a RangeError naming those there are. */
  hyperKey(name: string): string {
    return this.checkName(name);
  }

  /** The value of `name` (or of the hyperparameter it is an alias of) in every group. */
  getHyper(name: string): number[] {
    const key = this.checkName(name);
    return this.paramGroups.map((g) => g.hypers[key]);
  }

  /** Set `name` (or the hyperparameter it is an alias of) to one value for every group, or one value per group. */
  setHyper(name: string, value: number | number[]): void {
    const key = this.checkName(name);
    const values = Array.isArray(value) ? value : this.paramGroups.map(() => value);
    if (values.length !== this.paramGroups.length) {
      throw new RangeError(`${this.constructor.name}.setHyper('${name}'): got ${values.length} values for ${this.paramGroups.length} parameter groups`);
    }
    const many = this.paramGroups.length > 1;
    values.forEach((v, i) => this.checkHyper(name, v, `${this.constructor.name}.setHyper('${name}')${many ? `: group ${i}` : ''}`));
    values.forEach((v, i) => (this.paramGroups[i].hypers[key] = v));
  }

  /** The hyperparameter `name` stands for, or a RangeError naming the ones there are. */
  private checkName(name: string): string {
    if (this.hasHyper(name)) return this.hyperAliases[name] ?? name;
    const aliases = Object.entries(this.hyperAliases).map(([a, n]) => `; ${a} = ${n}`).join('');
    throw new RangeError(`${this.constructor.name} has no hyperparameter '${name}' (it has: ${this.hyperNames.join(', ')}${aliases})`);
  }

  /**
   * Freeze the groups before `n` (negative: count from the end, as fastai's `freeze_to`): their
   * parameters get no gradient and no update, except those in `keepTraining` (norm layers'). Every
   * parameter's optimizer state (momentum, moments, step count) is kept, so a group that is
   * unfrozen later continues from it. Throws if nothing would train.
   */
  freezeTo(n: number, keepTraining: Iterable<tf.Variable> = []): void {
    const len = this.paramGroups.length;
    if (!Number.isInteger(n) || n < -len || n > len) {
      throw new RangeError(`${this.constructor.name}.freezeTo: n must be an integer in [${-len}, ${len}] (the optimizer has ${len} parameter groups), got ${n}`);
    }
    const idx = n >= 0 ? n : len + n;
    const keep = new Set(keepTraining);
    const trains = this.paramGroups.some((g, i) => i >= idx ? g.params.length > 0 : g.params.some((p) => keep.has(p)));
    if (!trains) throw new RangeError(`${this.constructor.name}.freezeTo(${n}): every parameter would be frozen (${len} groups, no norm-layer parameters to keep training)`);
    this.frozenIdx = idx;
    this.forceTrain.clear();
    for (const p of keep) this.forceTrain.add(p);
  }

  /** The parameters of frozen groups that train all the same (what the last `freezeTo` was told to keep). */
  get keptTraining(): ReadonlySet<tf.Variable> {
    return this.forceTrain;
  }

  /**
   * Never decay these parameters (fastai's `wd_bn_bias=False`: norm layers' parameters and biases
   * keep their values however large `wd` is); their updates are otherwise their group's.
   */
  excludeFromWeightDecay(params: Iterable<tf.Variable>): void {
    for (const p of params) this.noDecay.add(p);
  }

  /** The parameters `excludeFromWeightDecay` was given. */
  get excludedFromWeightDecay(): ReadonlySet<tf.Variable> {
    return this.noDecay;
  }

  /** The parameters that train now: every group's from `frozenIdx` on, plus the kept ones of frozen groups. */
  get trainableParams(): tf.Variable[] {
    return this.paramGroups.flatMap((g, i) => (i >= this.frozenIdx ? g.params : g.params.filter((p) => this.forceTrain.has(p))));
  }

  /** Apply one update from `grads`, keyed by variable name (as `tf.variableGrads` returns them); frozen parameters are skipped. */
  step(grads: tf.NamedTensorMap): void {
    this.stepCount++;
    tf.tidy(() => {
      this.paramGroups.forEach((g, gi) => {
        const h = this.hyperScalars(gi, g.hypers);
        const frozen = gi < this.frozenIdx;
        const decays = (g.hypers.wd ?? 0) !== 0;
        for (const p of g.params) {
          const grad = grads[p.name];
          if (!grad || (frozen && !this.forceTrain.has(p))) continue;
          const t = (this.paramSteps.get(p) ?? 0) + 1;
          this.paramSteps.set(p, t);
          if (decays && this.noDecay.has(p)) this.update(p, grad, this.stateOf(p), { ...h, wd: this.zeroWdScalar() }, { ...g.hypers, wd: 0 }, t);
          else this.update(p, grad, this.stateOf(p), h, g.hypers, t);
        }
      });
    });
  }

  /**
   * Group `gi`'s hyperparameters as device scalars, kept between steps and remade only when a value
   * changes (a scheduled `lr` changes every step; `mom`, `wd`, betas usually never).
   */
  private hyperScalars(gi: number, hypers: Hypers): Record<string, tf.Scalar> {
    const cache = (this.scalars[gi] ??= {});
    for (const [k, v] of Object.entries(hypers)) {
      const c = cache[k];
      if (c && c.value === v) continue;
      c?.tensor.dispose();
      cache[k] = { value: v, tensor: tf.keep(tf.scalar(v)) };
    }
    return Object.fromEntries(Object.entries(cache).map(([k, c]) => [k, c.tensor]));
  }

  private zeroWdScalar(): tf.Scalar {
    return (this.zeroWd ??= tf.keep(tf.scalar(0)));
  }

  private stateOf(p: tf.Variable): Record<string, tf.Variable> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** A zero-initialised state variable `name` for `p` (created on first use). */
  protected slot(state: Record<string, tf.Variable>, name: string, p: tf.Variable): tf.Variable {
    if (!state[name]) state[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    return state[name];
  }

  /**
   * Update one parameter. `h` holds the group's hyperparameters as scalars, `raw` as numbers,
   * `t` is this parameter's step number (1 on its first update).
   */
  protected abstract update(p: tf.Variable, grad: tf.Tensor, state: Record<string, tf.Variable>, h: Record<string, tf.Scalar>, raw: Hypers, t: number): void;

  /** Hyperparameters and per-parameter state (live variables: clone to keep them). */
  stateDict(): OptimizerState {
    const state: Record<string, tf.Tensor> = {};
    const paramSteps: Record<string, number> = {};
    this.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, pi) => {
        for (const [k, v] of Object.entries(this.state.get(p) ?? {})) state[`${gi}.${pi}.${k}`] = v;
        const t = this.paramSteps.get(p);
        if (t !== undefined) paramSteps[`${gi}.${pi}`] = t;
      }),
    );
    return { hypers: this.paramGroups.map((g) => ({ ...g.hypers })), state, step: this.stepCount, paramSteps };
  }

  /** Restore what `stateDict()` returned (values are copied, the argument stays the caller's). */
  loadStateDict(sd: OptimizerState): void {
    if (sd.hypers.length !== this.paramGroups.length) {
      throw new Error(`${this.constructor.name}.loadStateDict: state has ${sd.hypers.length} parameter groups, optimizer has ${this.paramGroups.length}`);
    }
    for (const [key, t] of Object.entries(sd.state)) {
      const [gi, pi] = key.split('.');
      const p = this.paramGroups[Number(gi)]?.params[Number(pi)];
      if (!p || !tf.util.arraysEqual(p.shape, t.shape)) {
        throw new Error(`${this.constructor.name}.loadStateDict: state '${key}' [${t.shape.join(', ')}] does not fit the parameter ${p ? `[${p.shape.join(', ')}]` : '(none at that index)'}`);
      }
    }
    this.resetState();
    sd.hypers.forEach((h, i) => (this.paramGroups[i].hypers = { ...h }));
    for (const [key, t] of Object.entries(sd.state)) {
      const [gi, pi, name] = key.split('.');
      const p = this.paramGroups[Number(gi)].params[Number(pi)];
      this.stateOf(p)[name] = tf.variable(t, false); // shares t's data by reference count; assign() later swaps it out
    }
    for (const [key, t] of Object.entries(sd.paramSteps ?? {})) {
      const [gi, pi] = key.split('.');
      const p = this.paramGroups[Number(gi)]?.params[Number(pi)];
      if (p) this.paramSteps.set(p, t);
    }
    this.stepCount = sd.step;
  }

  /** Forget every parameter's state (momentum buffers, moments). */
  resetState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) v.dispose();
    this.state.clear();
    this.paramSteps.clear();
  }

  /** Free the optimizer's state. */
  dispose(): void {
    this.resetState();
    for (const cache of this.scalars) for (const c of Object.values(cache)) c.tensor.dispose();
    this.scalars.length = 0;
    this.zeroWd?.dispose();
    this.zeroWd = null;
  }
}
