/**
 * RunningBatchNorm's training step is one op with an analytical backward; these tests hold it to
 * the notebook's formulas written as plain TF.js ops (the previous, op-by-op implementation,
 * differentiated by TF.js): outputs, dx, d mults and d adds, with the variance floor (batch < 20)
 * active and not, and with a constant channel (variance below the floor), on cpu and wasm.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { RunningBatchNorm } from '../../src/models/norms/running-batch-norm.js';
import { useBackend } from '../helpers/backend.js';

function values(n: number, seed: number, scale = 2, offset = -1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296) * scale + offset;
  }
  return a;
}

const lerp = (a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor => tf.add(a, tf.mul(tf.sub(b, a), w));

/** The notebook's training step as TF.js ops, from the buffers' values before the step. */
function reference(x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor, st: Record<string, tf.Tensor>, mom: number, eps: number): tf.Tensor {
  const bs = x.shape[0]!;
  const nf = x.shape[3]!;
  const mom1 = 1 - (1 - mom) / Math.sqrt(bs - 1);
  const sums = lerp(st.sums!, tf.sum(x, [0, 1, 2]), mom1);
  const sqrs = lerp(st.sqrs!, tf.sum(tf.square(x), [0, 1, 2]), mom1);
  const count = lerp(st.count!, tf.scalar(x.size / nf), mom1);
  const dbias = tf.add(tf.mul(st.dbias!, 1 - mom1), mom1);
  const batch = tf.add(st.batch!, bs);
  const step = tf.add(st.step!, 1);
  const d = tf.where(tf.less(step, 100), dbias, tf.onesLike(dbias));
  const c = tf.div(count, d);
  const means = tf.div(tf.div(sums, d), c);
  const raw = tf.sub(tf.div(tf.div(sqrs, d), c), tf.square(means));
  const floor = tf.where(tf.less(batch, 20), tf.scalar(0.01), tf.scalar(-Infinity));
  const vars = tf.maximum(raw, floor);
  return tf.add(tf.mul(tf.div(tf.sub(x, means), tf.sqrt(tf.add(vars, eps))), mults), adds);
}

async function maxRel(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [p, q] = await Promise.all([a.data(), b.data()]);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < p.length; i++) {
    diff = Math.max(diff, Math.abs(p[i]! - q[i]!));
    scale = Math.max(scale, Math.abs(q[i]!));
  }
  return diff / scale;
}

describe('RunningBatchNorm fused training op', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches the notebook formulas' outputs and gradients over 25 steps (${backend})`, async () => {
      await useBackend(backend);
      const nf = 5;
      const mom = 0.15;
      const rbn = new RunningBatchNorm(nf, { mom });
      rbn.mults.assign(tf.tensor1d(values(nf, 1, 1, 0.5)));
      rbn.adds.assign(tf.tensor1d(values(nf, 2, 1, -0.5)));
      let worst = 0;
      for (let step = 0; step < 25; step++) {
        const bs = 2 + (step % 4);
        const shape = [bs, 3, 4, nf];
        // channel 4 is constant: its variance sits below the 0.01 floor while batch < 20
        const xs = values(bs * 12 * nf, 10 + step, 3, -1).map((v, i) => (i % nf === 4 ? 0.5 : v));
        const x = tf.tensor(xs, shape);
        const dy = tf.tensor(values(bs * 12 * nf, 50 + step), shape);
        const st = Object.fromEntries(['sums', 'sqrs', 'count', 'dbias', 'batch', 'step'].map((k) => [k, tf.clone((rbn as unknown as Record<string, tf.Tensor>)[k]!)]));
        const refGrads = tf.grads((a: tf.Tensor, m: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(a, m, b, st, mom, 1e-5), dy)));
        const want = refGrads([x, rbn.mults, rbn.adds]);
        const wantY = tf.tidy(() => reference(x, rbn.mults, rbn.adds, st, mom, 1e-5));
        let y: tf.Tensor | undefined;
        const got = tf.grads((a: tf.Tensor, m: tf.Tensor, b: tf.Tensor) => {
          void m;
          void b;
          const out = rbn.forward(a);
          y = tf.keep(out.clone());
          return tf.sum(tf.mul(out, dy));
        })([x, rbn.mults, rbn.adds]);
        worst = Math.max(worst, await maxRel(y!, wantY));
        for (let i = 0; i < 3; i++) worst = Math.max(worst, await maxRel(got[i]!, want[i]!));
        tf.dispose([x, dy, ...Object.values(st), ...want, ...got, wantY, y!]);
      }
      expect(await rbn.batch.data()).toEqual(new Float32Array([2 * 7 + 3 * 6 + 4 * 6 + 5 * 6]));
      expect(worst).toBeLessThan(2e-4);
      rbn.dispose();
    });
  }
});
