/**
 * tfai — a callback-driven training framework for TypeScript on TensorFlow.js, in the spirit of
 * fastai's course-v3 `Learner` / `Runner`. This is the one public entry: examples and users import
 * only from here.
 */
export { tf } from './backend/tf.js';

// core
export { initBackend, onAccelerator, chosenBackend, type BackendName, type BackendPreference, type InitBackendOptions } from './backend/init-backend.js';
export { setSeed, getSeed, random, randInt, nextSeed, permutation, makeRng, getRngState, setRngState, type RngState } from './core/rng.js';
export { Learner, type LearnerOptions, type Trainable, type DataSource } from './core/learner.js';
export { Runner, type RunnerOptions, type FitOptions } from './core/runner.js';
export { predict, tta, ttaView, type Predictions, type TtaOptions, type BatchSource } from './core/predict.js';
export { Callback, type HandlerResult } from './core/callback.js';
export { TrainEvalCallback } from './core/train-eval.js';
export { CancelBatchError, CancelEpochError, CancelTrainError } from './core/cancel.js';
export { EVENT_NAMES, type EventName, type RunnerEvent } from './core/events.js';
export { crossEntropy, type LossFunc } from './core/losses.js';
export { accuracy, type Metric } from './core/metrics.js';
export { schedLin, schedCos, schedNo, schedExp, combineScheds, cosOneCycle, sgdr, type Sched, type SgdrOptions } from './core/optim/schedules.js';
export { Optimizer, type OptFunc, type Hypers, type ParamGroup, type OptimizerState } from './core/optim/optimizer.js';
export { SGD, sgd, type SgdOptions } from './core/optim/sgd.js';
export { Adam, adam, type AdamOptions } from './core/optim/adam.js';

// models
export { Module, type ForwardHookEvent, type ModuleEvents, type StateDict } from './models/module.js';
export { ModuleError } from './models/module-error.js';
export { Sequential } from './models/sequential.js';
export { Conv2d, type Conv2dOptions } from './models/layers/conv2d.js';
export { Linear } from './models/layers/linear.js';
export { ReLU, GeneralRelu, type GeneralReluOptions } from './models/layers/activations.js';
export { Lambda, Flatten } from './models/layers/lambda.js';
export { AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxPool2d } from './models/layers/pooling.js';
export { Dropout } from './models/layers/dropout.js';
export * from './models/norms/index.js';
export { kaimingNormal, kaimingUniform, fanIn, leakyReluGain, type KaimingOptions } from './models/init.js';
export { convLayer, getCnnLayers, getCnnModel, initCnn, type ConvLayerOptions, type LayerFactory, type CnnData } from './models/zoo/cnn.js';
export { CNN, type CnnOptions } from './models/zoo/cifar-cnn.js';
export { ResNet, PlainBlock, BasicBlock, type BlockClass, type ResNetOptions } from './models/zoo/resnet.js';
export { ModuleList, SimpleNet, ConvNet, ConvLayer, ConvNet2, BnLayer, ResnetLayer, ConvBnNet, ConvBnNet2, ResNetLadder, ResNetLadder2, type BnLayerOptions } from './models/zoo/ladder.js';
export { summary, type SummaryRow, type ModelSummary } from './models/summary.js';

// data
export * from './data/index.js';

// callbacks
export { AvgStats, AvgStatsCallback, type AvgStatsOptions, type EpochStats } from './callbacks/avg-stats.js';
export { Recorder } from './callbacks/recorder.js';
export { LRFind, lrFind, suggestLr, minLossLr, smoothLosses, type LRFindOptions, type LRFindStop, type LrFindResult, type LrFindRunOptions } from './callbacks/lr-finder.js';
export { plotLr, plotLoss, plotLrFind, plotMetrics, type RecordedRun, type LrCurve, type PlotOptions, type PlotLossOptions } from './callbacks/recorder-plots.js';
export { ProgressCallback, formatTime, type ProgressOptions, type ProgressStream } from './callbacks/progress.js';
export { EarlyStoppingCallback, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { TerminateOnNaNCallback, type TerminateOnNaNOptions, type NonFiniteLoss } from './callbacks/terminate-on-nan.js';
export { ParamScheduler } from './callbacks/param-scheduler.js';
export { BatchTransformXCallback, viewTfm, type BatchTfm } from './callbacks/batch-transform.js';
export { CudaCallback, type CudaCallbackOptions } from './callbacks/cuda.js';
export { Hook, Hooks, type HookFn } from './hooks/hooks.js';
export { ActivationStats, appendStats, appendStatsWith, histc, type AppendStatsOptions } from './hooks/activation-stats.js';
export { saveStatsPlots, meanStdChart, histogramGrid, minFractionChart, type StatsSource, type StatsPlotOptions, type StatsPlotPaths } from './hooks/stats-plots.js';

// plots (SVG and PNG)
export * from './plot/index.js';

// reliability: safetensors weights, atomic writes, checkpoints and resume, interrupts
export { encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors, SafetensorsError, type SafetensorsDtype, type WritableDtype, type HostTensor, type TensorToWrite, type SafetensorsContents } from './io/safetensors.js';
export { writeFileAtomic, writeDirAtomic, fsyncDir, type FileContents } from './io/atomic-write.js';
export { saveWeights, loadWeights } from './io/weights-file.js';
export { layoutKinds, torchShape, type LayoutKind } from './io/torch-layout.js';
export { readCheckpointFiles, resolveCheckpoint, listCheckpoints, CHECKPOINT_FILES, type CheckpointFiles } from './io/checkpoint-folder.js';
export type { CheckpointState, RunPosition, JsonValue, LoaderState, ResumableLoader, ResumeAware, OptimizerMeta } from './io/checkpoint-types.js';
export type { CheckpointRecord } from './core/runner.js';
export { watchInterrupts, INTERRUPT_EXIT_CODE, type InterruptWatch, type InterruptWatchOptions } from './core/interrupt.js';
export { CheckpointCallback, type CheckpointCallbackOptions, type StatefulCallback } from './callbacks/checkpoint.js';
export { seededRand, type SamplerRngState, type StatefulRand } from './data/samplers.js';
export type { DataLoaderState } from './data/data-loader.js';
