import { tf, initBackend, setSeed, crossEntropy, SGD } from './src/index.js';
import { MODELS } from './bench/models.js';
const name = process.argv[2] ?? 'course'; const bs = Number(process.argv[3] ?? 32);
await initBackend('wasm', { threads: Number(process.argv[4] ?? 1), log: () => {} });
setSeed(0);
const spec = MODELS[name]!;
const model = spec.build();
const vars = model.parameters().filter((p) => p.trainable);
const opt = new SGD([vars], 0.01, { mom: 0.9, wd: 1e-4 });
const x = tf.randomNormal([bs, ...spec.input]); const y = tf.tensor1d(Array.from({ length: bs }, (_, i) => i % 10), 'int32');
const step = () => { const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y) as tf.Scalar, vars); opt.step(grads); tf.dispose(grads); value.dispose(); };
for (let i = 0; i < 20; i++) step();
const N = Number(process.argv[5] ?? 50);
for (let r = 0; r < Number(process.env.R ?? 3); r++) { const c0 = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < N; i++) step(); const c = process.cpuUsage(c0); console.log(`step ${((performance.now() - t0) / N).toFixed(2)} ms wall, ${((c.user + c.system) / 1000 / N).toFixed(2)} ms cpu`); }
const p = await tf.profile(() => { for (let i = 0; i < N; i++) step(); });
const by = new Map<string, { n: number; ms: number }>();
for (const k of p.kernels) { const e = by.get(k.name) ?? { n: 0, ms: 0 }; e.n++; e.ms += k.kernelTimeMs as number; by.set(k.name, e); }
const tot = p.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0);
console.log(`${p.kernels.length / N} kernels/step, kernel time ${(tot / N).toFixed(2)} ms/step`);
console.log([...by].sort((a, b) => b[1].ms - a[1].ms).map(([k, e]) => `${k} ${e.n / N} ${(e.ms / N).toFixed(3)}`).join('\n'));
