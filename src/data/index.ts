/**
 * tfai data: datasets, samplers, loaders, data bunches, normalisation, the IDX reader and MNIST.
 */
export type { Dataset } from './dataset.js';
export { TensorDataset } from './tensor-dataset.js';
export {
  SequentialSampler,
  RandomSampler,
  BatchSampler,
  numBatches,
  type Sampler,
  type RandomSamplerOptions,
  type BatchSamplerOptions,
} from './samplers.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { DataBunch, inferCIn } from './data-bunch.js';
export {
  normalize,
  normalizeTo,
  meanStd,
  channelMeanStd,
  type NormStat,
  type MeanStd,
  type NormalizeToOptions,
} from './normalize.js';
export {
  readIdx,
  parseIdx,
  encodeIdx,
  isGzip,
  IDX_LABELS_MAGIC,
  IDX_IMAGES_MAGIC,
  type IdxData,
} from './idx.js';
export { loadMnist, loadMnistArrays, MNIST_FILES, type LoadMnistOptions, type MnistArrays } from './mnist.js';
