/** 2-D convolution with PyTorch semantics on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { expectNHWC } from '../module-error.js';
import { uniformTensor } from '../init.js';
import type { LayoutKind } from '../../io/persistable.js';
import { checkInt } from '../../core/validate.js';
import { depthwiseConv2d } from './depthwise-conv-op.js';

/** Options of `Conv2d`. */
export type Conv2dOptions = {
  /** Step of the filter, both directions (default 1). */
  stride?: number;
  /** Zero padding on every side (default 0). */
  padding?: number;
  /** Add a learned bias (default true). */
  bias?: boolean;
  /**
   * Split the channels into this many groups, each convolved with its own filters (PyTorch's
   * `groups`; default 1). `groups = ni` is a depthwise convolution (MobileNet's). Must divide
   * both `ni` and `nf`.
   */
  groups?: number;
};

/**
 * `Conv2d(ni, nf, ks, { stride = 1, padding = 0, bias = true, groups = 1 })`, as PyTorch's
 * `nn.Conv2d`: explicit symmetric zero padding (not TF's `'same'`), so PyTorch weights give
 * PyTorch outputs. The weight is stored in TF.js layout `[ks, ks, ni / groups, nf]` (PyTorch's
 * `[nf, ni / groups, ks, ks]` transposed); default init is PyTorch's (kaiming-uniform with a = √5,
 * i.e. U(±1/√fanIn) with fanIn = ks²·ni/groups, bias likewise).
 */
export class Conv2d extends Module {
  /** Input channels. */
  readonly ni: number;
  /** Output channels (filters). */
  readonly nf: number;
  /** Kernel size (square). */
  readonly ks: number;
  /** Step of the filter. */
  readonly stride: number;
  /** Zero padding on every side. */
  readonly padding: number;
  /** Channel groups (1: a full convolution; `ni`: depthwise). */
  readonly groups: number;
  /** The filters, `[ks, ks, ni / groups, nf]` (TF.js layout; PyTorch's `[nf, ni / groups, ks, ks]` in files). */
  readonly weight: tf.Variable;
  /** The bias, `[nf]`, or null without one. */
  readonly bias: tf.Variable | null;
  private readonly pad: [[number, number], [number, number], [number, number], [number, number]];

  constructor(ni: number, nf: number, ks: number, opts: Conv2dOptions = {}) {
    super();
    for (const [n, v] of [['ni', ni], ['nf', nf], ['ks', ks]] as const) {
      checkInt('Conv2d', n, v);
    }
    this.ni = ni;
    this.nf = nf;
    this.ks = ks;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    checkInt('Conv2d', 'stride', this.stride);
    if (!Number.isInteger(this.padding) || this.padding < 0) throw new RangeError(`Conv2d: padding must be an integer >= 0, got ${this.padding}`);
    this.groups = opts.groups ?? 1;
    checkInt('Conv2d', 'groups', this.groups);
    if (ni % this.groups !== 0 || nf % this.groups !== 0) {
      throw new RangeError(`Conv2d: groups (${this.groups}) must divide both ni (${ni}) and nf (${nf})`);
    }
    const p = this.padding;
    this.pad = [[0, 0], [p, p], [p, p], [0, 0]];
    const bound = 1 / Math.sqrt((ks * ks * ni) / this.groups);
    this.weight = this.registerParameter('weight', uniformTensor([ks, ks, ni / this.groups, nf], bound));
    this.bias = opts.bias ?? true ? this.registerParameter('bias', uniformTensor([nf], bound)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.ni);
    return tf.tidy(() => {
      const y = this.convolve(x as tf.Tensor4D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  private convolve(x: tf.Tensor4D): tf.Tensor4D {
    const w = this.weight as tf.Tensor4D;
    const g = this.groups;
    if (g === 1) return tf.conv2d(x, w, this.stride, this.pad);
    if (g === this.ni) {
      // [ks, ks, 1, nf] holds filter j of channel c at output c·m + j: exactly [ks, ks, ni, m]
      return depthwiseConv2d(x, tf.reshape(w, [this.ks, this.ks, this.ni, this.nf / this.ni]), this.stride, this.padding);
    }
    const xs = tf.split(x, g, 3) as tf.Tensor4D[];
    const ws = tf.split(w, g, 3) as tf.Tensor4D[];
    return tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i], this.stride, this.pad)), 3);
  }

  override torchLayouts(): Record<string, LayoutKind> {
    return { weight: 'conv' };
  }

  override extraRepr(): string {
    const k = this.ks, s = this.stride, p = this.padding;
    return `${this.ni}, ${this.nf}, kernel_size=(${k}, ${k}), stride=(${s}, ${s})${p ? `, padding=(${p}, ${p})` : ''}${this.groups > 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=False'}`;
  }
}
