/** The course's CNN builders: `convLayer`, `getCnnLayers`, `getCnnModel`, `initCnn`. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { Conv2d } from '../layers/conv2d.js';
import { GeneralRelu, type GeneralReluOptions } from '../layers/activations.js';
import { AdaptiveAvgPool2d } from '../layers/pooling.js';
import { Flatten } from '../layers/lambda.js';
import { Linear } from '../layers/linear.js';
import { makeNorm, type NormKind } from '../norms/norm-factory.js';
import { kaimingNormal, kaimingUniform } from '../init.js';

/**
 * Options of `convLayer`: the `GeneralRelu` settings, which norm follows the convolution and where.
 * `bn: false` alone means no norm (the course's flag); `norm` names one (or builds it).
 */
export type ConvLayerOptions = GeneralReluOptions & {
  /** The course's flag: `false` means no norm unless `norm` names one (default `true`). */
  bn?: boolean;
  /**
   * The norm: a `NormKind` (`'batch'`, `'batch-scratch'`, `'layer'`, `'instance'`, `'group'`,
   * `'running'`, `'none'`) or a function `(nf) => Module`. Default `'batch'` (PyTorch's
   * `BatchNorm2d`, as the course's final `conv_layer`), `'none'` when `bn` is `false`.
   */
  norm?: NormKind | ((nf: number) => Module);
  /**
   * Put the norm before the activation (conv, norm, GeneralRelu — the BatchNorm paper's order)
   * instead of after it (conv, GeneralRelu, norm — the course notebooks' order). Default `false`.
   */
  normFirst?: boolean;
  /** Conv bias (default: only when there is no norm). */
  bias?: boolean;
  /** `'group'` only: number of groups (default `defaultGroups(nf)`). */
  groups?: number;
  /** The norm's eps (default: the norm's own, 1e-5). */
  eps?: number;
  /** The norm's momentum (default: the norm's own, 0.1). */
  mom?: number;
};

/** A layer factory as `getCnnLayers` calls it: `(ni, nf, ks, stride, opts)`. */
export type LayerFactory = (ni: number, nf: number, ks: number, stride: number, opts: ConvLayerOptions) => Module;

/**
 * `convLayer(ni, nf, ks = 3, stride = 2, opts)`, as the course's `conv_layer` (and its `conv_ln`,
 * `conv_in`, `conv_rbn` variants through `norm`): `Conv2d` with padding `ks // 2`, `GeneralRelu`
 * (`leak`, `sub`, `maxv`), then the norm (`normFirst` puts it between the two). The conv has no
 * bias when a norm is present unless `bias` says otherwise.
 *
 * `convLayer(1, 8, 5)` is conv, GeneralRelu, BatchNorm2d; `convLayer(8, 16, 3, 2, { norm: 'running' })`
 * uses `RunningBatchNorm`; `convLayer(8, 16, 3, 2, { bn: false })` has no norm.
 */
export function convLayer(ni: number, nf: number, ks = 3, stride = 2, opts: ConvLayerOptions = {}): Sequential {
  const kind = opts.norm ?? (opts.bn === false ? 'none' : 'batch');
  const norm = makeNorm(kind, nf, { groups: opts.groups, eps: opts.eps, mom: opts.mom });
  const conv = new Conv2d(ni, nf, ks, { stride, padding: Math.floor(ks / 2), bias: opts.bias ?? norm === null });
  const act = new GeneralRelu({ leak: opts.leak, sub: opts.sub, maxv: opts.maxv });
  const layers: Module[] = !norm ? [conv, act] : opts.normFirst ? [conv, norm, act] : [conv, act, norm];
  return new Sequential(...layers);
}

/** What the builders need of the data: classes and (optionally) input channels. */
export type CnnData = {
  /** Output classes. */
  c: number;
  /** Input channels (default 1). */
  cIn?: number;
};

/**
 * The course's `get_cnn_layers`: one `layer` per entry of `nfs` (the first 5×5, the rest 3×3,
 * stride 2), then adaptive average pooling, flatten and `Linear(nfs.at(-1), data.c)`.
 */
export function getCnnLayers(data: CnnData, nfs: number[], layer: LayerFactory = convLayer, opts: ConvLayerOptions = {}): Module[] {
  if (nfs.length === 0) throw new RangeError('getCnnLayers: nfs must list at least one channel count');
  const sizes = [data.cIn ?? 1, ...nfs];
  const convs = nfs.map((_, i) => layer(sizes[i], sizes[i + 1], i === 0 ? 5 : 3, 2, opts));
  return [...convs, new AdaptiveAvgPool2d(1), new Flatten(), new Linear(nfs[nfs.length - 1], data.c)];
}

/** `getCnnModel(data, nfs, layer, opts)`: `Sequential(...getCnnLayers(...))`. */
export function getCnnModel(data: CnnData, nfs: number[], layer: LayerFactory = convLayer, opts: ConvLayerOptions = {}): Sequential {
  return new Sequential(...getCnnLayers(data, nfs, layer, opts));
}

/**
 * The course's `init_cnn`: every `Conv2d` weight gets Kaiming init with `a = 0.1` (normal, or
 * uniform with `{ uniform: true }`) and its bias zeroed.
 */
export function initCnn(model: Module, opts: { uniform?: boolean } = {}): void {
  const init = opts.uniform ? kaimingUniform : kaimingNormal;
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      init(m.weight, { a: 0.1 });
      if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
    }
  }
}
