/**
 * Test accuracy of an ensemble of trained Fashion-MNIST recipe runs: each checkpoint's model is
 * rebuilt (`fashionResNet` with the run's `--stem` and `--width`), its weights loaded, and its
 * shift-TTA probabilities (see `shiftTtaProbs`) averaged with the others'. Prints each model's
 * accuracy, plain and with TTA, and the ensemble's.
 *
 *   npx tsx examples/fashion-ensemble.ts --runs out/run-a/ckpt:32:48,out/run-b/ckpt:24:32
 *
 * A run is `<checkpoint folder or its parent>:<stem>:<width>` (the parent's `latest` checkpoint is
 * taken). `--subset N` evaluates on the first N test images (for a smoke test).
 */
import { initBackend, tf, Learner, crossEntropy, sgd } from '../src/index.js';
import { resolveCheckpoint, CHECKPOINT_FILES } from '../src/io/index.js';
import { flags } from './args.js';
import { accuracyOf, fashionResNet, loadFashionOrExplain, shiftTtaProbs } from './fashion-common.js';

const args = flags({ runs: '', dir: '', subset: 0, backend: 'auto' });
const runs = args.runs.split(',').filter(Boolean).map((spec) => {
  const [path, stem, width] = spec.split(':');
  if (!path || !(Number(stem) > 0) || !(Number(width) > 0)) {
    console.error(`fashion-ensemble: a run is <checkpoint>:<stem>:<width>, got '${spec}'`);
    process.exit(2);
  }
  return { path, stem: Number(stem), width: Number(width) };
});
if (runs.length === 0) {
  console.error('fashion-ensemble: give --runs <checkpoint>:<stem>:<width>[,…]');
  process.exit(2);
}
await initBackend(args.backend as 'auto');
const data = await loadFashionOrExplain({ dir: args.dir || undefined, bs: 256, subset: args.subset > 0 ? args.subset : undefined });
let sum: tf.Tensor | undefined;
let targets: tf.Tensor | undefined;
for (const r of runs) {
  const folder = await resolveCheckpoint(r.path);
  const model = fashionResNet(r.stem, [1, 2, 4].map((m) => m * r.width), [2, 2, 2]);
  const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0 });
  await learn.load(`${folder}/${CHECKPOINT_FILES.model}`);
  const p = await shiftTtaProbs(learn);
  console.log(`${folder} (stem ${r.stem}, width ${r.width}): test accuracy ${(await accuracyOf(p.plain, p.targets)).toFixed(4)}, ` +
    `with shift TTA ${(await accuracyOf(p.tta, p.targets)).toFixed(4)}`);
  p.plain.dispose();
  if (targets) p.targets.dispose();
  else targets = p.targets;
  if (sum) {
    const next = tf.add(sum, p.tta);
    tf.dispose([sum, p.tta]);
    sum = next;
  } else sum = p.tta;
  model.dispose();
}
console.log(`ensemble of ${runs.length} (mean of the TTA probabilities): test accuracy ${(await accuracyOf(sum!, targets!)).toFixed(4)}`);
tf.dispose([sum!, targets!]);
data.dispose();
