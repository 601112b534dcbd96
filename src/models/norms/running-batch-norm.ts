/** The course's `RunningBatchNorm`, which trains with batches as small as 2, on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';
import { checkInt } from '../../core/validate.js';
import { fusedKernelsReady, runningBatchNormFused, runningBatchNormGradFused } from '../../backend/fused-ops.js';

/** Options of `RunningBatchNorm`. */
export type RunningBatchNormOptions = {
  /** Momentum of the running sums at batch size 2 (default `0.1`, in (0, 1]). */
  mom?: number;
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
};

/**
 * The course-v3 07_batchnorm `RunningBatchNorm(nf, mom=0.1, eps=1e-5)` (the version with the
 * `dbias` / `step` buffers). Instead of the batch's own statistics it normalises with
 * exponentially weighted running sums, so a batch of 2 no longer makes the statistics useless.
 *
 * Training step on NHWC input `[bs, H, W, nf]` (all reductions per channel over N, H, W):
 * ```
 * mom1  = 1 - (1 - mom) / sqrt(bs - 1)         // more weight to bigger batches; = mom at bs 2
 * sums  = lerp(sums,  sum(x),   mom1)           // lerp(a, b, w) = a + w (b - a)
 * sqrs  = lerp(sqrs,  sum(x*x), mom1)
 * count = lerp(count, bs*H*W,   mom1)
 * dbias = dbias * (1 - mom1) + mom1
 * batch += bs;  step += 1
 * ```
 * then (in training right after that update, in eval from the stored buffers, without updating):
 * ```
 * if step < 100: sums, sqrs, count /= dbias     // de-biasing, as the notebook writes it
 * means = sums / count
 * vars  = sqrs / count - means²
 * if batch < 20: vars = max(vars, 0.01)
 * out   = (x - means) / sqrt(vars + eps) * mults + adds
 * ```
 * Gradients: as in the notebook, the buffers' history is cut before each update (`detach_()`),
 * but the update is not under `no_grad`, so the output's gradient flows into `x` through this
 * batch's `sum(x)` and `sum(x*x)` (weighted by `mom1`) as well as directly. The buffers are
 * non-trainable variables, so nothing flows into earlier batches.
 *
 * Notes: dividing `sums`, `sqrs` and `count` by the same `dbias` cancels in `means` and `vars`, so
 * the de-biasing changes nothing but rounding; it is kept to follow the notebook. The later
 * published course version replaces `step`/`dbias` with `factor`/`offset` buffers computed in the
 * training step; in training both give the same output. A batch of 1 is rejected in training
 * (the `mom1` formula divides by `sqrt(bs - 1)`), and eval mode before any training step is
 * rejected (the statistics would be 0 / 0).
 *
 * Parameters `mults` (ones) and `adds` (zeros) and buffers `sums`, `sqrs` are `[nf]`; `batch`,
 * `count`, `step`, `dbias` are float scalars (initially 0).
 */
export class RunningBatchNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Number of channels. */
  readonly nf: number;
  /** Momentum at batch size 2. */
  readonly mom: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Learned per-channel scale `[nf]`. */
  readonly mults: tf.Variable;
  /** Learned per-channel shift `[nf]`. */
  readonly adds: tf.Variable;
  /** Running (weighted) per-channel sum of the inputs `[nf]`. */
  readonly sums: tf.Variable;
  /** Running (weighted) per-channel sum of the squared inputs `[nf]`. */
  readonly sqrs: tf.Variable;
  /** Number of samples seen in training (scalar). */
  readonly batch: tf.Variable;
  /** Running (weighted) number of values per channel behind `sums` (scalar). */
  readonly count: tf.Variable;
  /** Number of training steps taken (scalar). */
  readonly step: tf.Variable;
  /** The de-biasing divisor, `1 - prod(1 - mom1)` over the steps (scalar). */
  readonly dbias: tf.Variable;

  constructor(nf: number, opts: RunningBatchNormOptions = {}) {
    super();
    checkInt('RunningBatchNorm', 'nf', nf);
    this.nf = nf;
    this.mom = opts.mom ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    if (!(this.mom > 0 && this.mom <= 1)) throw new RangeError(`RunningBatchNorm: mom must be in (0, 1], got ${this.mom}`);
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`RunningBatchNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
    this.sums = this.registerBuffer('sums', tf.zeros([nf]));
    this.sqrs = this.registerBuffer('sqrs', tf.zeros([nf]));
    this.batch = this.registerBuffer('batch', tf.scalar(0));
    this.count = this.registerBuffer('count', tf.scalar(0));
    this.step = this.registerBuffer('step', tf.scalar(0));
    this.dbias = this.registerBuffer('dbias', tf.scalar(0));
    this.untrainedCount = this.count.dataId;
  }

  /**
   * The data of `count` as constructed (0). Eval mode with this `count` is an error. The check is
   * made on the host, without reading the device: `count` gets new data on every training step
   * and on `loadStateDict` (a loaded `count` is trusted).
   */
  private readonly untrainedCount: tf.DataId;

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    if (!this.training) {
      if (this.count.dataId === this.untrainedCount) {
        throw new ModuleError(this, `${this.describe()} has no running statistics yet (count is 0): run at least one training batch before eval`);
      }
      return tf.tidy(() => this.normalise(x, this.sums, this.sqrs, this.count, this.dbias, this.batch, this.step));
    }
    const bs = x.shape[0];
    if (bs < 2) {
      throw new ModuleError(this, `${this.describe()} needs a batch of at least 2 in training (momentum 1 - (1 - mom) / sqrt(bs - 1)), got input ${fmtShape(x.shape)}`);
    }
    const mom1 = 1 - (1 - this.mom) / Math.sqrt(bs - 1);
    return tf.tidy(() => this.trainOp(mom1)(x, this.mults, this.adds));
  }

  /**
   * The training step as one op with an analytical backward (a few dozen taped ops fewer per
   * layer, which dominated small batches: ~1,000 kernels per step of the course's RBN convnet).
   * Forward: the buffer updates above, then `y = x·a + b` with `a = mults / √(vars + eps)`,
   * `b = adds − means·a`. Backward, with `k = 1 / count` (what `means = sums·k` and
   * `vars = max(sqrs·k − means², floor)` divide by), `r = 1 / √(vars + eps)`, `pass = [raw ≥ floor]`:
   * ```
   * Σdy, Σdy·x̂ = r·(Σdy·x − means·Σdy)                 → d adds, d mults
   * dvars  = −½·mults·r²·Σdy·x̂ · pass
   * dmeans = −mults·r·Σdy − 2·means·dvars
   * dx     = dy·mults·r + mom1·k·dmeans + 2x·mom1·k·dvars   (through x, sums(x), sqrs(x²))
   * ```
   */
  private trainOp(mom1: number): (x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor) => tf.Tensor {
    if (fusedKernelsReady()) return this.trainOpOneKernel(mom1);
    return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, mults, adds] = args as tf.Tensor[];
      const save = args[3] as tf.GradSaveFunc;
      const s = tf.sum(x, [0, 1, 2]);
      const ss = tf.sum(tf.square(x), [0, 1, 2]);
      const sums = lerp(this.sums, s, mom1);
      const sqrs = lerp(this.sqrs, ss, mom1);
      const count = lerp(this.count, tf.scalar(x.size / this.nf), mom1);
      const dbias = tf.add(tf.mul(this.dbias, 1 - mom1), mom1);
      const batch = tf.add(this.batch, x.shape[0]);
      const step = tf.add(this.step, 1);
      this.sums.assign(sums);
      this.sqrs.assign(sqrs);
      this.count.assign(count);
      this.dbias.assign(dbias);
      this.batch.assign(batch);
      this.step.assign(step);
      const { means, raw, k } = this.stats(sums, sqrs, count, dbias, step);
      const floor = tf.where(tf.less(batch, 20), tf.scalar(0.01), tf.scalar(-Infinity));
      const vars = tf.maximum(raw, floor);
      const pass = tf.cast(tf.greaterEqual(raw, floor), 'float32');
      const r = tf.div(1, tf.sqrt(tf.add(vars, this.eps)));
      const a = tf.mul(mults, r);
      save([x, means, r, k, pass, mults]);
      return {
        value: tf.add(tf.mul(x, a), tf.sub(adds, tf.mul(means, a))),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, m, rs, ks, ps, w] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const sdy = tf.sum(dy, [0, 1, 2]);
          const sdyxhat = tf.mul(rs, tf.sub(tf.sum(tf.mul(dy, xs), [0, 1, 2]), tf.mul(m, sdy)));
          const dvars = tf.mul(tf.mul(tf.mul(w, tf.square(rs)), sdyxhat), tf.mul(ps, -0.5));
          const dmeans = tf.sub(tf.neg(tf.mul(tf.mul(w, rs), sdy)), tf.mul(tf.mul(m, 2), dvars));
          const scale = tf.mul(ks, mom1);
          const dx = tf.add(tf.add(tf.mul(dy, tf.mul(w, rs)), tf.mul(xs, tf.mul(tf.mul(dvars, scale), 2))), tf.mul(dmeans, scale));
          return [dx, sdyxhat, sdy];
        },
      };
    }) as (x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor) => tf.Tensor;
  }

  /** `trainOp` with the fused wasm kernels: one kernel forward (buffer updates included), one backward. */
  private trainOpOneKernel(mom1: number): (x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor) => tf.Tensor {
    return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, mults, adds] = args as tf.Tensor[];
      const save = args[3] as tf.GradSaveFunc;
      const bufs = { sums: this.sums, sqrs: this.sqrs, count: this.count, dbias: this.dbias, batch: this.batch, step: this.step };
      const [y, sums, sqrs, count, dbias, batch, step, means, r, k, pass] = runningBatchNormFused(x!, mults!, adds!, bufs, mom1, this.eps) as tf.Tensor[];
      this.sums.assign(sums!);
      this.sqrs.assign(sqrs!);
      this.count.assign(count!);
      this.dbias.assign(dbias!);
      this.batch.assign(batch!);
      this.step.assign(step!);
      save([x!, means!, r!, k!, pass!, mults!]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, m, rs, ks, ps, w] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return runningBatchNormGradFused(dy, xs, { means: m, r: rs, k: ks, pass: ps, mults: w }, mom1);
        },
      };
    }) as (x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor) => tf.Tensor;
  }

  /** means, variance before the floor, and `k = 1 / (d·c)` from the (de-biased) running sums. */
  private stats(sums: tf.Tensor, sqrs: tf.Tensor, count: tf.Tensor, dbias: tf.Tensor, step: tf.Tensor): { means: tf.Tensor; raw: tf.Tensor; k: tf.Tensor } {
    const d = tf.where(tf.less(step, 100), dbias, tf.onesLike(dbias));
    const c = tf.div(count, d);
    const means = tf.div(tf.div(sums, d), c);
    const raw = tf.sub(tf.div(tf.div(sqrs, d), c), tf.square(means));
    return { means, raw, k: tf.div(1, tf.mul(d, c)) };
  }

  private normalise(x: tf.Tensor, sums: tf.Tensor, sqrs: tf.Tensor, count: tf.Tensor, dbias: tf.Tensor, batch: tf.Tensor, step: tf.Tensor): tf.Tensor {
    const d = tf.where(tf.less(step, 100), dbias, tf.onesLike(dbias));
    const c = tf.div(count, d);
    const means = tf.div(tf.div(sums, d), c);
    const raw = tf.sub(tf.div(tf.div(sqrs, d), c), tf.square(means));
    const floor = tf.where(tf.less(batch, 20), tf.scalar(0.01), tf.scalar(-Infinity));
    const vars = tf.maximum(raw, floor);
    return tf.add(tf.mul(tf.div(tf.sub(x, means), tf.sqrt(tf.add(vars, this.eps))), this.mults), this.adds);
  }

  override extraRepr(): string {
    return `${this.nf}, mom=${this.mom}, eps=${this.eps}`;
  }
}

/** `a + w * (b - a)`, PyTorch's `lerp`. */
function lerp(a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor {
  return tf.add(a, tf.mul(tf.sub(b, a), w));
}
