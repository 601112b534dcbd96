import { tf, initBackend, BatchNorm2d } from './src/index.js';
import { setParallelThreshold } from './src/backend/wasm/pool.js';
await initBackend('wasm', { threads: Number(process.argv[2] ?? 2), log: () => {} });
for (const shape of [[128, 32, 32, 16], [128, 16, 16, 32], [128, 8, 8, 64], [128, 32, 32, 64]] as [number, number, number, number][]) {
  const bn = new BatchNorm2d(shape[3]);
  const x = tf.randomNormal(shape); const dy = tf.randomNormal(shape);
  const f = () => { const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), dy)) as tf.Scalar, [bn.weight, bn.bias]); tf.dispose([value, grads]); };
  const res: Record<string, number[]> = { serial: [], pool: [] };
  for (let r = 0; r < 4; r++) for (const [k, th] of [['serial', Infinity], ['pool', 1e6]] as const) {
    setParallelThreshold(th); f();
    const t0 = performance.now(); for (let i = 0; i < 10; i++) f(); res[k]!.push((performance.now() - t0) / 10);
  }
  console.log(shape.join('x'), 'serial', res.serial!.map((v) => v.toFixed(2)).join(' '), '| pool', res.pool!.map((v) => v.toFixed(2)).join(' '));
}
