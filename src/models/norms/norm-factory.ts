/** Build a normalisation layer by name, for layer factories such as `conv_layer(..., norm)`. */
import type { Module } from '../module.js';
import { BatchNorm2d } from './batch-norm-2d.js';
import { BatchNorm } from './batch-norm.js';
import { LayerNorm } from './layer-norm.js';
import { InstanceNorm } from './instance-norm.js';
import { GroupNorm } from './group-norm.js';
import { RunningBatchNorm } from './running-batch-norm.js';

/**
 * The norms `makeNorm` knows: `'batch'` is PyTorch's `BatchNorm2d`, `'batch-scratch'` the course's
 * from-scratch `BatchNorm`, `'layer'` `LayerNorm`, `'instance'` `InstanceNorm`, `'group'`
 * `GroupNorm`, `'running'` `RunningBatchNorm`, and `'none'` no norm at all.
 */
export type NormKind = 'batch' | 'batch-scratch' | 'layer' | 'instance' | 'group' | 'running' | 'none';

/** Every `NormKind`, in declaration order (for CLI flags and validation). */
export const NORM_KINDS: readonly NormKind[] = ['batch', 'batch-scratch', 'layer', 'instance', 'group', 'running', 'none'];

/** Options `makeNorm` passes on to the layer it builds (each layer ignores what it has no use for). */
export type MakeNormOptions = {
  /** `'group'` only: number of groups (default `defaultGroups(nf)`); must divide `nf`. */
  groups?: number;
  /** Every norm: added to the variance (default: the layer's own, `1e-5`). */
  eps?: number;
  /** `'batch'` (as `momentum`), `'batch-scratch'` and `'running'`: momentum (default: the layer's own, `0.1`). */
  mom?: number;
};

/**
 * The default number of groups for `GroupNorm` over `nf` channels: the largest divisor of `nf`
 * that is at most 4 (so 64 channels → 4 groups of 16, 6 → 3 groups of 2, 8 → 4, a prime such as
 * 7 → 1, i.e. a layer norm with per-channel affine). The GroupNorm paper's 32 groups would make
 * the course's narrow layers (8–64 channels) nearly instance norms.
 */
export function defaultGroups(nf: number): number {
  for (let g = Math.min(nf, 4); g > 1; g--) if (nf % g === 0) return g;
  return 1;
}

/**
 * A normalisation layer for `nf` channels, or `null` for `'none'`. `kind` is a `NormKind` or a
 * function building the module itself (called with `nf`; `opts` is then ignored).
 *
 * `makeNorm('group', 64)` is `new GroupNorm(4, 64)`; `makeNorm('batch', 8, { mom: 0.2 })` is
 * `new BatchNorm2d(8, { momentum: 0.2 })`. Throws for an unknown kind, naming the known ones.
 */
export function makeNorm(kind: NormKind | ((nf: number) => Module), nf: number, opts: MakeNormOptions = {}): Module | null {
  if (typeof kind === 'function') return kind(nf);
  const { eps, mom } = opts;
  switch (kind) {
    case 'batch':
      return new BatchNorm2d(nf, { eps, momentum: mom });
    case 'batch-scratch':
      return new BatchNorm(nf, { eps, mom });
    case 'layer':
      return new LayerNorm({ eps });
    case 'instance':
      return new InstanceNorm(nf, { eps });
    case 'group':
      return new GroupNorm(opts.groups ?? defaultGroups(nf), nf, { eps });
    case 'running':
      return new RunningBatchNorm(nf, { eps, mom });
    case 'none':
      return null;
    default:
      throw new RangeError(`makeNorm: unknown norm kind '${String(kind)}'; expected one of ${NORM_KINDS.map((k) => `'${k}'`).join(', ')} or a function (nf) => Module`);
  }
}
