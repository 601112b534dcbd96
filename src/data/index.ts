/**
 * tfai data: datasets, samplers, loaders, data bunches, normalisation, the IDX reader, MNIST,
 * Fashion-MNIST and CIFAR-10, and the image-file pipeline (lazy datasets of files, item and batch
 * transforms, decoding in worker threads).
 *
 * @module tfai/data
 */
export type { Dataset } from './dataset.js';
export { TensorDataset } from './tensor-dataset.js';
export {
  SequentialSampler,
  RandomSampler,
  BatchSampler,
  numBatches,
  type Sampler,
  type EpochBatch,
  type SamplerRngState,
  type RandomSamplerOptions,
  type BatchSamplerOptions,
} from './samplers.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { DataBunch, inferCIn, type DataBunchOptions, type WithBsOptions } from './data-bunch.js';
export { getDls, type GetDlsOptions } from './get-dls.js';
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
  IDX_MAX_BYTES,
  type IdxData,
  type ReadIdxOptions,
} from './idx.js';
export { loadMnist, loadMnistArrays, MNIST_FILES, type LoadMnistOptions, type MnistArrays } from './mnist.js';
export { decodeImage, encodePng, sniffImageFormat, type RgbImage, type ImageFormat, type DecodeImageOptions } from './image-decode.js';
export { ByteImageDataset, imageFolder, IMAGE_EXTENSIONS, type ByteImageDatasetOptions, type ImageFolderData, type ImageFolderOptions } from './image-folder.js';
export { ImageDataBunch, type ImageDataBunchOptions } from './image-data-bunch.js';
export { ImageDataset, type ImageDatasetOptions, type OnImageError, type SkippedImages, type SkippedImage } from './image-dataset.js';
export { Resize, RandomResizedCrop, FlipItem, type ItemTransform, type ResizeOptions, type RandomResizedCropOptions, type ItemTfmSpec, type ResizeSpec, type RandomResizedCropSpec, type FlipSpec, type ResizeMethod, type PadMode } from './item-transforms.js';
export { augTransforms, type AugTransformsOptions } from './batch-augment.js';
export { readImageHeader, checkImagePixels, DEFAULT_MAX_IMAGE_PIXELS, type ImageHeader } from './image-header.js';
export { listImageFiles, type ImageFileList } from './image-files.js';
export { labelFromFolder, labelFromNameFunc, labelFromNameRe, labelFromCsv, type LabelledImages, type FromFolderOptions, type FromCsvOptions, type RandomSplitOptions } from './image-labelling.js';
export { createBatchDecoder, defaultDecodeWorkers, WorkerPoolDecoder, InlineDecoder } from './decode-pool.js';
export type { BatchDecoder, BatchJob, BatchResult, FailedItem } from './batch-decoder.js';
export type { ImageDecoder, PixelRect } from './image-decoder.js';
export type { ItemPipeline } from './image-item.js';
export { parseCsv } from './csv.js';
export { encodeImage, type EncodeImageOptions } from './image-encode.js';
export { randomFlip, padCrop, randomErasing, cropBatch, compose, TransformedDataset, type ImageTransform, type RandomOptions, type PadCropOptions, type RandomErasingOptions } from './augment.js';
export { loadCifar10, loadCifar10Arrays, parseCifarBin, findCifar10Bins, CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, CIFAR10_RECORD_BYTES, CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, CIFAR10_URL, CIFAR10_MD5, CIFAR10_ARCHIVE, type LoadCifar10Options, type Cifar10Arrays, type ByteImages } from './cifar10.js';
export { downloadCifar10, type FetchLike, type DownloadCifar10Options } from './download.js';
export { extractTarGz, type ExtractTarOptions } from './tar.js';
export { showBatch, type ShowBatchOptions, type ShowBatchResult, type ShowBatchSource } from './show-batch.js';
export { random, randInt, permutation, makeRng } from '../core/rng.js';
export { loadFashionMnist, loadFashionMnistArrays, resolveFashionMnist, FASHION_MNIST_MEAN, FASHION_MNIST_STD, FASHION_MNIST_PAD, type LoadFashionMnistOptions, type FashionMnistArrays, type FashionMnistSourceOptions } from './fashion-mnist.js';
export { downloadFashionMnist, findFashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_URL, FASHION_MNIST_MD5, FASHION_MNIST_FILES, type FashionMnistPaths, type DownloadFashionMnistOptions } from './fashion-mnist-files.js';
