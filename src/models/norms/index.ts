/** The normalisation layers: PyTorch's `BatchNorm2d`, `BatchNorm1d` and `GroupNorm`, and the course's from-scratch norms. */
export { batchNormTrain, type BatchStats } from './batch-norm-op.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './batch-norm-2d.js';
export { BatchNorm1d } from './batch-norm-1d.js';
export { BatchNorm, type BatchNormOptions } from './batch-norm.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { InstanceNorm, type InstanceNormOptions } from './instance-norm.js';
export { GroupNorm, type GroupNormOptions } from './group-norm.js';
export { RunningBatchNorm, type RunningBatchNormOptions } from './running-batch-norm.js';
export { makeNorm, defaultGroups, NORM_KINDS, type NormKind, type MakeNormOptions } from './norm-factory.js';
