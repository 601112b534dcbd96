/**
 * fastai's classifier head for a pretrained body (`create_head`): pooling, flatten, then for each
 * hidden size a `BatchNorm1d`, `Dropout`, bias-free `Linear` and ReLU, and a last such block to the
 * classes without the ReLU. Initialised as fastai's `vision_learner` does (`apply_init(head,
 * kaiming_normal_)`: Kaiming-normal linear weights; fastai's `BatchNorm`: weight 1, bias 1e-3).
 */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { Linear } from '../layers/linear.js';
import { Dropout } from '../layers/dropout.js';
import { ReLU } from '../layers/activations.js';
import { Flatten } from '../layers/lambda.js';
import { AdaptiveAvgPool2d, AdaptiveConcatPool2d } from '../layers/pooling.js';
import { BatchNorm1d } from '../norms/batch-norm-1d.js';
import { kaimingNormal } from '../init.js';
import { checkInt } from '../../core/validate.js';

/** Options of `createHead` (fastai's names, camel-cased). */
export interface HeadOptions {
  /** Hidden sizes between the pooled features and the classes (default `[512]`). */
  linFtrs?: readonly number[];
  /**
   * Dropout probabilities, one per linear layer; one number `p` means `p / 2` for the hidden
   * layers and `p` for the last (default 0.5, fastai's `ps`).
   */
  ps?: number | readonly number[];
  /** Pool with the max and the mean side by side (default true, fastai's `concat_pool`), else the mean. */
  concatPool?: boolean;
  /** A `BatchNorm1d` on the pooled features (default true, fastai's `first_bn`). */
  firstBn?: boolean;
  /** A last `BatchNorm1d` on the outputs, momentum 0.01 (default false, fastai's `bn_final`). */
  bnFinal?: boolean;
}

/** fastai's `BatchNorm(nf, ndim=1)`: a `BatchNorm1d` with weight 1 and bias 1e-3. */
function fastaiBatchNorm1d(nf: number): BatchNorm1d {
  const bn = new BatchNorm1d(nf);
  tf.tidy(() => bn.bias.assign(tf.fill([nf], 1e-3)));
  return bn;
}

/**
 * `createHead(nf, nOut)`: fastai's `create_head` for a body with `nf` output channels — with the
 * defaults, `AdaptiveConcatPool2d`, `Flatten`, `BatchNorm1d(2·nf)`, `Dropout(0.25)`,
 * `Linear(2·nf, 512, bias=False)`, `ReLU`, `BatchNorm1d(512)`, `Dropout(0.5)`,
 * `Linear(512, nOut, bias=False)` (children `0` … `8`, fastai's indices).
 */
export function createHead(nf: number, nOut: number, opts: HeadOptions = {}): Sequential {
  checkInt('createHead', 'nf', nf);
  checkInt('createHead', 'nOut', nOut);
  const concat = opts.concatPool ?? true;
  const ftrs = [concat ? 2 * nf : nf, ...(opts.linFtrs ?? [512]), nOut];
  ftrs.forEach((n, i) => checkInt('createHead', `linFtrs[${i - 1}]`, n));
  const given = typeof opts.ps === 'number' || opts.ps === undefined ? [opts.ps ?? 0.5] : [...opts.ps];
  const ps = given.length === 1 ? [...Array<number>(ftrs.length - 2).fill(given[0] / 2), given[0]] : given;
  if (ps.length !== ftrs.length - 1) throw new RangeError(`createHead: ps gives ${ps.length} dropout probabilities for ${ftrs.length - 1} linear layers`);
  const layers: Module[] = [concat ? new AdaptiveConcatPool2d() : new AdaptiveAvgPool2d(1), new Flatten()];
  for (let i = 0; i < ftrs.length - 1; i++) {
    const bn = i > 0 || (opts.firstBn ?? true);
    if (bn) layers.push(fastaiBatchNorm1d(ftrs[i]));
    if (ps[i] !== 0) layers.push(new Dropout(ps[i]));
    const lin = new Linear(ftrs[i], ftrs[i + 1], { bias: !bn });
    kaimingNormal(lin.weight);
    if (lin.bias) tf.tidy(() => lin.bias!.assign(tf.zerosLike(lin.bias!)));
    layers.push(lin);
    if (i < ftrs.length - 2) layers.push(new ReLU());
  }
  if (opts.bnFinal) layers.push(new BatchNorm1d(ftrs[ftrs.length - 1], { momentum: 0.01 }));
  return new Sequential(...layers);
}
