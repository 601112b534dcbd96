/** The course's CNN builders: `convLayer`, `getCnnLayers`, `getCnnModel`, `initCnn`. */
import { tf } from '../core/tf.js';
import { Module } from './module.js';
import { Sequential } from './sequential.js';
import { Conv2d } from './layers/conv2d.js';
import { GeneralRelu, type GeneralReluOptions } from './layers/activations.js';
import { AdaptiveAvgPool2d } from './layers/pooling.js';
import { Flatten } from './layers/lambda.js';
import { Linear } from './layers/linear.js';
import { BatchNorm2d } from './norms/batch-norm-2d.js';
import { kaimingNormal, kaimingUniform } from './init.js';

/** Options of `convLayer`: BatchNorm on/off and the `GeneralRelu` settings. */
export type ConvLayerOptions = GeneralReluOptions & { bn?: boolean };

/** A layer factory as `getCnnLayers` calls it: `(ni, nf, ks, stride, opts)`. */
export type LayerFactory = (ni: number, nf: number, ks: number, stride: number, opts: ConvLayerOptions) => Module;

/**
 * `convLayer(ni, nf, ks = 3, stride = 2, { bn = true, leak, sub, maxv })`, as the course's
 * `conv_layer`: `Conv2d` (padding `ks // 2`, no bias when followed by BatchNorm), `GeneralRelu`,
 * then `BatchNorm2d` when `bn`.
 */
export function convLayer(ni: number, nf: number, ks = 3, stride = 2, opts: ConvLayerOptions = {}): Sequential {
  const bn = opts.bn ?? true;
  const layers: Module[] = [new Conv2d(ni, nf, ks, { stride, padding: Math.floor(ks / 2), bias: !bn }), new GeneralRelu(opts)];
  if (bn) layers.push(new BatchNorm2d(nf, { eps: 1e-5, momentum: 0.1 }));
  return new Sequential(...layers);
}

/** What the builders need of the data: classes and (optionally) input channels. */
export type CnnData = { c: number; cIn?: number };

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
