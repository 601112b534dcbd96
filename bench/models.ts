/**
 * The models `npm run bench` measures (bench/torch_step.py builds the same ones in PyTorch).
 */
import {
  tf, getCnnModel, convLayer, initCnn, CNN, ResNet, BasicBlock, SGD, crossEntropy, resnet18, resnet34, type Module,
} from '../src/index.js';
import { variableGradsOrFree } from '../src/core/tape.js';

/** A benchmarked model: how to build it and its input (NHWC without the batch). */
export interface BenchModel {
  /** What the tables call it. */
  label: string;
  /** Input `[H, W, C]`. */
  input: [number, number, number];
  /** Builds the tfai model. */
  build: () => Module;
}

/** The models by name (the names bench/torch_step.py knows). */
export const MODELS: Record<string, BenchModel> = {
  course: {
    label: 'course BN convnet',
    input: [28, 28, 1],
    build: () => {
      const m = getCnnModel({ c: 10 }, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
      initCnn(m);
      return m;
    },
  },
  'course-rbn': {
    label: 'RunningBatchNorm convnet',
    input: [28, 28, 1],
    build: () => {
      const m = getCnnModel({ c: 10 }, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6, norm: 'running' });
      initCnn(m);
      return m;
    },
  },
  'cifar-cnn': { label: "the CIFAR lab's CNN", input: [32, 32, 3], build: () => new CNN() },
  'resnet-narrow': {
    label: 'narrow ResNet (16/32/64/128, 1 block/stage)',
    input: [32, 32, 3],
    build: () => new ResNet(BasicBlock, [1, 1, 1, 1], { widths: [16, 32, 64, 128] }),
  },
  resnet18: { label: 'ResNet-18 for CIFAR', input: [32, 32, 3], build: () => new ResNet(BasicBlock, [2, 2, 2, 2]) },
  // torchvision's ImageNet ResNets (7×7 stem, max pool), 10 classes: `npm run bench:transfer`
  'tv-resnet18-128': { label: 'torchvision ResNet-18, 128 px', input: [128, 128, 3], build: () => resnet18({ numClasses: 10 }) },
  'tv-resnet18-224': { label: 'torchvision ResNet-18, 224 px', input: [224, 224, 3], build: () => resnet18({ numClasses: 10 }) },
  'tv-resnet34-128': { label: 'torchvision ResNet-34, 128 px', input: [128, 128, 3], build: () => resnet34({ numClasses: 10 }) },
  'tv-resnet34-224': { label: 'torchvision ResNet-34, 224 px', input: [224, 224, 3], build: () => resnet34({ numClasses: 10 }) },
};

/**
 * Floating-point operations of one training step per sample: forward convolutions and matmuls,
 * their filter gradients, and their input gradients except where the input is the data (the
 * first layer). Counted from the kernels of a profiled training-mode forward pass on two samples
 * (which moves the model's norm statistics: call it on a model built for the benchmark).
 */
export async function stepFlopsPerSample(model: Module, input: [number, number, number]): Promise<number> {
  const x = tf.randomNormal([2, ...input]);
  const prof = await tf.profile(() => {
    tf.tidy(() => {
      model.forward(x);
    });
  });
  x.dispose();
  let flops = 0;
  let first = true;
  for (const k of prof.kernels) {
    const out = k.outputShapes[0] ?? [];
    const outSize = out.reduce((a: number, b) => a * (b ?? 1), 1);
    let fwd = 0;
    if (k.name === 'Conv2D' || k.name === 'FusedConv2D') {
      const f = k.inputShapes[1] ?? [];
      fwd = 2 * outSize * (f[0] ?? 1) * (f[1] ?? 1) * (f[2] ?? 1);
    } else if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') {
      const a = k.inputShapes[0] ?? [];
      fwd = 2 * outSize * (a.at(-1) ?? 1);
    } else continue;
    flops += first ? 2 * fwd : 3 * fwd;
    first = false;
  }
  return flops / 2;
}

/**
 * Kernels one training step dispatches (forward, backward and an SGD-with-momentum update),
 * counted by a profiled step at batch size `bs`: at small batches their number, not their
 * arithmetic, sets the step time on wasm. The count does not depend on the batch size, so count
 * at a small one: the step runs as the Runner's does (`variableGradsOrFree`), but `tf.profile`
 * keeps every kernel's output until it ends, which at a large batch would set the process's peak
 * memory. Trains the model one step (call it on a model built for this).
 */
export async function kernelsPerStep(model: Module, input: [number, number, number], bs = 4): Promise<number> {
  const x = tf.randomNormal([bs, ...input]);
  const y = tf.tensor1d(Array.from({ length: bs }, (_, i) => i % 10), 'int32');
  const vars = model.parameters().filter((p) => p.trainable);
  const opt = new SGD([vars], 0.01, { mom: 0.9, wd: 1e-4 });
  const step = (): void => {
    const { value, grads } = variableGradsOrFree(() => crossEntropy(model.forward(x), y), vars);
    opt.step(grads);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step(); // creates the optimizer's state
  const prof = await tf.profile(step);
  tf.dispose([x, y]);
  opt.dispose();
  return prof.kernels.length;
}
