/**
 * The main job (`npm start`): the course's BatchNorm convnet on the embedded MNIST digits.
 * conv_layer with BatchNorm2d and GeneralRelu(leak 0.1, sub 0.4, maxv 6), nfs [8, 16, 32, 64, 64],
 * Kaiming init, SGD, bs 512, 8 epochs, lr combineScheds([0.3, 0.7], [lin 0.6→2, lin 2→0.1]).
 *
 *   npm start -- --epochs 8 --bs 512 --lr 0.4 --seed 1 --backend wasm
 *   npm start -- --progress     (progress bars and fastai's table instead of the course's lines)
 */
import {
  initBackend, setSeed, loadMnist, getCnnModel, convLayer, initCnn, Learner, Runner,
  AvgStatsCallback, ProgressCallback, Recorder, CudaCallback, ParamScheduler, combineScheds, schedLin,
  accuracy, crossEntropy, sgd,
} from '../src/index.js';
import { flags } from './args.js';

const args = flags({ epochs: 8, bs: 512, lr: 0.4, seed: 1, backend: 'auto', progress: false });
const backend = await initBackend(args.backend as 'auto');
setSeed(args.seed);

const t0 = performance.now();
const data = await loadMnist({ bs: args.bs, seed: args.seed });
const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
initCnn(model);
const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: args.lr });
const sched = combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]);
const stats = new AvgStatsCallback([accuracy]);
const cbs = [stats, new Recorder(), new CudaCallback(), new ParamScheduler('lr', sched)];
const run = new Runner({ cbs: args.progress ? [...cbs, new ProgressCallback()] : cbs });

console.log(`MNIST (embedded digits): ${data.trainDl.nItems} train / ${data.validDl.nItems} valid, bs ${args.bs}, ${args.epochs} epochs on ${backend}`);
await run.fit(args.epochs, learn);
const secs = (performance.now() - t0) / 1000;
const last = stats.history.at(-1);
console.log(`final valid accuracy ${last?.valid[1]?.toFixed(4)} — wall time ${secs.toFixed(1)} s (${(secs / args.epochs).toFixed(2)} s/epoch)`);
