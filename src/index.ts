/**
 * tfai — a callback-driven training framework for TypeScript on TensorFlow.js, in the spirit of
 * fastai's course-v3 `Learner` / `Runner`. This is the one public entry for notebook-style scripts:
 * examples and users import from here. Lower-level pieces live on sub-paths: `tfai/data` (every
 * dataset, sampler, format reader and transform), `tfai/io` (safetensors, weights and checkpoint
 * files), `tfai/backend` (backend selection, the WebGPU adapter, threads and the wasm training
 * kernels for any TF.js program) and
 * `tfai/plot` (the SVG/PNG chart primitives).
 *
 * @module tfai
 */

// backend
export { tf } from './backend/tf.js';
export { initBackend, type BackendPreference, type InitBackendOptions } from './backend/init-backend.js';
export type { WasmPaths } from './backend/wasm/thread-count.js';

// core: the loop
export { setSeed, getSeed } from './core/rng.js';
export { Learner, type LearnerOptions } from './core/learner.js';
export type { Trainable, DataSource } from './core/trainable.js';
export { Runner, type RunnerOptions, type FitOptions } from './core/runner.js';
export type { FitControl, CheckpointRecord } from './core/fit-control.js';
export type { Predictions, TtaOptions, BatchSource } from './core/predict.js';
export { Callback, type CallbackRunner } from './core/callback.js';
export type { LoopState } from './core/loop-state.js';
export type { StatefulCallback } from './core/stateful-callback.js';
export { TrainEvalCallback } from './core/train-eval.js';
export { CancelBatchError, CancelEpochError, CancelTrainError, CancelStepError } from './core/cancel.js';
export type { EventName, RunnerEvent } from './core/events.js';
export type { EpochMetrics } from './core/epoch-metrics.js';
export { crossEntropy, labelSmoothingCrossEntropy, type LossFunc } from './core/losses.js';
export { accuracy, errorRate, topKAccuracy, mse, mae, rmse, isAccumMetric, type Metric, type MetricFn, type AccumMetric } from './core/metrics.js';
export { precision, recall, f1Score, type ClassScoreOptions, type ScoreAverage } from './core/class-scores.js';
export { schedLin, schedCos, schedNo, schedExp, combineScheds, cosOneCycle, sgdr, type Sched, type SGDROptions } from './core/optim/schedules.js';
export { Optimizer, HYPER_RANGES, type HyperRange, type OptFunc } from './core/optim/optimizer.js';
export { SGD, sgd, type SGDOptions } from './core/optim/sgd.js';
export { Adam, adam, type AdamOptions } from './core/optim/adam.js';
export { noGrad, detach } from './core/no-grad.js'; // `with torch.no_grad():`, `x.detach()`

// models
export { Module, type ForwardHookEvent, type StateDict } from './models/module.js';
export { ModuleError, type DescribedModule } from './models/module-error.js';
export { Sequential } from './models/sequential.js';
export { ModuleList } from './models/module-list.js';
export { Conv2d, type Conv2dOptions } from './models/layers/conv2d.js';
export { Linear } from './models/layers/linear.js';
export { ReLU, ReLU6, GeneralRelu } from './models/layers/activations.js';
export { Lambda, Flatten } from './models/layers/lambda.js';
export { AdaptiveAvgPool2d, AdaptiveMaxPool2d, AdaptiveConcatPool2d, MaxPool2d } from './models/layers/pooling.js';
export { Dropout } from './models/layers/dropout.js';
export { BatchNorm2d } from './models/norms/batch-norm-2d.js';
export { BatchNorm1d } from './models/norms/batch-norm-1d.js';
export { BatchNorm } from './models/norms/batch-norm.js';
export { LayerNorm } from './models/norms/layer-norm.js';
export { InstanceNorm } from './models/norms/instance-norm.js';
export { GroupNorm } from './models/norms/group-norm.js';
export { RunningBatchNorm } from './models/norms/running-batch-norm.js';
export { makeNorm, type NormKind } from './models/norms/norm-factory.js';
export { kaimingNormal, kaimingUniform } from './models/init.js';
export { convLayer, getCnnLayers, getCnnModel, initCnn, type ConvLayerOptions, type LayerFactory } from './models/zoo/cnn.js';
export { CNN, type CNNOptions } from './models/zoo/cifar-cnn.js';
export { ResNet, PlainBlock, BasicBlock, type ResNetOptions } from './models/zoo/resnet.js';
export * as ladder from './models/zoo/ladder.js';
export * as torchvision from './models/zoo/torchvision/index.js'; // torchvision.ResNet, torchvision.BasicBlock, …
export { resnet18, resnet34, resnet50, mobilenetV2, IMAGENET_STATS, type VisionArch, type ArchMeta, type TorchvisionOptions } from './models/zoo/torchvision/index.js';
export { summary } from './models/summary.js';
export { createHead, type HeadOptions } from './models/zoo/fastai-head.js';
export { VisionModel, createBody, numFeatures, hasPoolType } from './models/zoo/vision-model.js';

// data (the rest is on 'tfai/data')
export type { Dataset } from './data/dataset.js';
export { TensorDataset } from './data/tensor-dataset.js';
export { DataLoader, type DataLoaderOptions } from './data/data-loader.js';
export { DataBunch } from './data/data-bunch.js';
export { getDls, type GetDlsOptions } from './data/get-dls.js';
export { normalize } from './data/normalize.js';
export { loadMnist, type LoadMnistOptions } from './data/mnist.js';
export { imageFolder, type ImageFolderOptions } from './data/image-folder.js';
export { ImageDataBunch, type ImageDataBunchOptions } from './data/image-data-bunch.js';
export { Resize, RandomResizedCrop, FlipItem, type ItemTransform } from './data/item-transforms.js';
export { augTransforms, type AugTransformsOptions } from './data/batch-augment.js';
export { loadCifar10, CIFAR10_CLASSES, type LoadCifar10Options } from './data/cifar10.js';
export { downloadCifar10 } from './data/download.js';
export { loadFashionMnist, type LoadFashionMnistOptions } from './data/fashion-mnist.js';
export { downloadFashionMnist, FASHION_MNIST_CLASSES } from './data/fashion-mnist-files.js';
export { randomFlip, padCrop, randomErasing, compose, type ImageTransform, type RandomErasingOptions } from './data/augment.js';
export { showBatch, type ShowBatchOptions, type ShowBatchResult } from './data/show-batch.js';

// callbacks
export { AvgStatsCallback, type AvgStatsCallbackOptions, type EpochStats } from './callbacks/avg-stats.js';
export { Recorder } from './callbacks/recorder.js';
export type { PlotLrFindOptions } from './plot/training-plots.js';
export { LRFinder, lrFind, type LRFinderOptions, type LRFindOptions, type LRFindResult } from './callbacks/lr-finder.js';
export { ProgressCallback, type ProgressCallbackOptions } from './callbacks/progress.js';
export { registerProgressRenderer, pickProgressRenderer, type ProgressRendererFactory } from './ui/progress-renderers.js';
export type {
  ProgressRenderer,
  ProgressSnapshot,
  ProgressBar,
  BatchProgressBar,
  ProgressFit,
  ProgressStream,
} from './ui/progress-renderer.js';
export { TerminalRenderer } from './ui/terminal-renderer.js';
export { PageRenderer, PAGE_PROGRESS_ID } from './ui/page-renderer.js';
export { EarlyStoppingCallback, type EarlyStoppingCallbackOptions } from './callbacks/early-stopping.js';
export { TerminateOnNaNCallback, type TerminateOnNaNCallbackOptions } from './callbacks/terminate-on-nan.js';
export { ParamScheduler } from './callbacks/param-scheduler.js';
export { BatchTransformXCallback, viewTfm } from './callbacks/batch-transform.js';
export { CudaCallback, type CudaCallbackOptions } from './callbacks/cuda.js';
export { CheckpointCallback, type CheckpointCallbackOptions } from './callbacks/checkpoint.js';
export { Monitor, type MonitorMode } from './callbacks/monitor.js';
export { GradientClipping, clipGradNorm, clipGradValue, type GradientClippingOptions } from './callbacks/gradient-clipping.js';
export { GradientAccumulation, type GradientAccumulationOptions } from './callbacks/gradient-accumulation.js';
export { fitOneCycle, type FitOneCycleOptions } from './callbacks/fit-one-cycle.js';
export { fineTune, sliceLrs, type FineTuneOptions } from './callbacks/fine-tune.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './callbacks/reduce-lr-on-plateau.js';
export { CSVLogger, type CSVLoggerOptions } from './callbacks/csv-logger.js';
export { TensorBoardCallback, type TensorBoardCallbackOptions } from './callbacks/tensorboard.js';

// transfer learning
export { visionLearner, VisionLearner, type VisionLearnerOptions, type ArchBuilder } from './transfer/vision-learner.js';
export { weightsDirs } from './transfer/pretrained.js';

// hooks
export { Hook, Hooks, type HookFn } from './hooks/hooks.js';
export { ActivationStats, appendStats, appendStatsWith, type AppendStatsOptions } from './hooks/activation-stats.js';
export { saveStatsPlots, plotStats, type PlotStatsOptions, type StatsFigure } from './hooks/stats-plots.js';

// interpretation
export { ClassificationInterpretation, type InterpretationOptions, type TopLosses, type Confusion, type ImagePictureOptions } from './interpret/classification-interpretation.js';
export type { ConfusionPlotOptions } from './interpret/confusion-plot.js';
export { showResults, type ShowResultsOptions } from './interpret/show-results.js';
export type { Denormalize } from './interpret/picture.js';

// where figures and progress go: files, a notebook's outputs, your own display
export { showFigure, setFigureDisplay, figureDisplay, addFigureDisplayDetector, type ShowFigureOptions, type Figure, type FigureDisplay, type FigureDisplayDetector, type FigureFiles } from './ui/figures.js';
export { defaultFigureDir } from './ui/figure-files.js';
export { notebookKernel, type NotebookKernel, type NotebookDisplay } from './ui/notebook-kernel.js';
export { NotebookFigureDisplay, notebookFigureDisplay, type NotebookFigureDisplayOptions } from './ui/notebook-figures.js';
export { NotebookRenderer } from './ui/notebook-renderer.js';
export { PageFigureDisplay, PAGE_FIGURES_ID } from './ui/page-figures.js';

// files (the rest is on 'tfai/io')
export type { JsonValue } from './io/checkpoint-types.js';
export { loadTorchStateDict, type TorchTensor, type TorchDtype } from './io/torch-file.js';
export { fileBlob, downloadFile } from './io/page-files.js';
export type { ByteSource } from './io/byte-source.js';

// types that the signatures above name (options, states, results), so that users can name them too
export { EVENT_NAMES } from './core/events.js';
export type { HandlerResult } from './core/callback.js';
export type { Hypers, ParamGroup, OptimizerState } from './core/optim/optimizer.js';
export type { ModuleEvents } from './models/module.js';
export type { GeneralReluOptions } from './models/layers/activations.js';
export type { KaimingOptions } from './models/init.js';
export type { BatchNorm2dOptions } from './models/norms/batch-norm-2d.js';
export type { BatchNormOptions } from './models/norms/batch-norm.js';
export type { LayerNormOptions } from './models/norms/layer-norm.js';
export type { InstanceNormOptions } from './models/norms/instance-norm.js';
export type { GroupNormOptions } from './models/norms/group-norm.js';
export type { RunningBatchNormOptions } from './models/norms/running-batch-norm.js';
export type { MakeNormOptions } from './models/norms/norm-factory.js';
export type { CnnData } from './models/zoo/cnn.js';
export type { BlockClass } from './models/zoo/resnet.js';
export type { ModelSummary, SummaryRow } from './models/summary.js';
export type { DataLoaderState } from './data/data-loader.js';
export type { AvgStats } from './callbacks/avg-stats.js';
export type { PlotOptions, PlotLossOptions, RecordedRun, LRCurve, EpochRecord } from './plot/training-plots.js';
export type { BatchTfm } from './callbacks/batch-transform.js';
export type { LRFinderStop } from './callbacks/lr-finder.js';
export type { NonFiniteLoss } from './callbacks/terminate-on-nan.js';
export type { StatsSource, StatsPlotOptions, StatsPlotPaths } from './hooks/stats-plots.js';
export type { IndexedSource } from './interpret/images.js';
