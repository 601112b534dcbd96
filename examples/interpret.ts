/**
 * Train, log and interpret: the course's BatchNorm convnet on the embedded MNIST digits with
 * `fitOneCycle` (Adam), error rate and macro F1 as metrics, a CSV log, a TensorBoard event file and
 * ReduceLROnPlateau; then a `ClassificationInterpretation` of the validation set — confusion matrix,
 * most confused pairs, the top losses — and `showResults`. Everything goes to `--out`:
 *
 *   out/interpret/history.csv            one row per epoch
 *   out/interpret/runs/                  tensorboard --logdir out/interpret/runs
 *   out/interpret/confusion-matrix.png   counts, rows = actual
 *   out/interpret/top-losses.png         the 16 worst validation digits: predicted/actual, loss / probability
 *   out/interpret/results.png            the first 16 validation digits, prediction green/red
 *
 *   npx tsx examples/interpret.ts --epochs 4 --bs 256 --lr 0.005 --seed 1 --backend wasm
 */
import {
  initBackend, setSeed, loadMnist, getCnnModel, convLayer, initCnn, Learner, AvgStatsCallback, CSVLogger, TensorBoardCallback,
  ReduceLROnPlateau, fitOneCycle, ClassificationInterpretation, showResults, accuracy, errorRate, f1Score, crossEntropy, adam,
} from '../src/index.js';
import { flags } from './args.js';

const args = flags({ epochs: 4, bs: 256, lr: 0.005, seed: 1, backend: 'auto', out: 'out/interpret' });
const backend = await initBackend(args.backend as 'auto');
setSeed(args.seed);

const data = await loadMnist({ bs: args.bs, seed: args.seed });
const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
initCnn(model);
const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: adam({ wd: 1e-2 }) });
const stats = new AvgStatsCallback([accuracy, errorRate, f1Score()]);
const plateau = new ReduceLROnPlateau({ monitor: 'valid_loss', factor: 0.5, patience: 1 });
const tb = new TensorBoardCallback({ logDir: `${args.out}/runs/mnist-one-cycle` });

console.log(`MNIST (embedded digits): ${data.trainDl.nItems} train / ${data.validDl.nItems} valid, bs ${args.bs}, ${args.epochs} epochs, one-cycle lrMax ${args.lr} on ${backend}`);
await fitOneCycle(args.epochs, args.lr, { learn, cbs: [stats, new CSVLogger({ path: `${args.out}/history.csv` }), tb, plateau] });
const last = stats.history.at(-1)!;
console.log(`final valid: loss ${last.valid[0].toFixed(4)}, accuracy ${last.valid[1].toFixed(4)}, error rate ${last.valid[2].toFixed(4)}, macro F1 ${last.valid[3].toFixed(4)}; lr reductions: ${plateau.reductions}`);
console.log(`history: ${args.out}/history.csv — TensorBoard: tensorboard --logdir ${args.out}/runs (${tb.file})`);

const interp = await ClassificationInterpretation.fromLearner(learn);
const confused = interp.mostConfused(2).slice(0, 5).map((c) => `${c.actual}→${c.predicted} ×${c.count}`);
console.log(`most confused (actual→predicted): ${confused.join(', ') || 'no pair twice'}`);
const top = interp.topLosses(3);
console.log(`top losses: ${top.indices.map((i, k) => `#${i} ${top.predicted[k]}/${top.actual[k]} loss ${top.losses[k].toFixed(2)}`).join(', ')}`);
console.log(`pictures: ${await interp.plotConfusionMatrix(`${args.out}/confusion-matrix.png`)}, ${await interp.plotTopLosses(16, `${args.out}/top-losses.png`)}, ${await showResults(learn, `${args.out}/results.png`, { n: 16 })}`);
