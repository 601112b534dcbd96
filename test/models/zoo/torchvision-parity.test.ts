/**
 * torchvision's architectures in tfai equal PyTorch's: a model PyTorch initialised and saved
 * (`torch.save(model.state_dict())`, read by tfai's `.pth` reader) gives PyTorch's eval-mode
 * outputs, training-mode outputs, loss, first-step gradients and running statistics, each within
 * 1e-4 of the reference tensor's largest magnitude. PyTorch makes the fixtures in a temporary
 * folder (a ResNet-50 file is ~100 MB: nothing of it is committed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tf, crossEntropy, resnet18, resnet34, resnet50, mobilenetV2, type Module } from '../../../src/index.js';
import { loadTorchStateDict, loadWeights, layoutKinds, type TorchTensor } from '../../../src/io/index.js';
import { describeSuite, TORCH_PYTHON } from '../../helpers/suites.js';
import { useBackend } from '../../helpers/backend.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'fixtures', 'torchvision_reference.py');
const TOL = 1e-4;
const TO_TORCH = { conv: [3, 2, 0, 1], linear: [1, 0] } as const;

/**
 * max |a − b| / max(max |b|, floor): the error relative to the reference tensor's scale. `floor`
 * matters only for gradients that are zero by construction (a BatchNorm bias whose output goes
 * through a linear layer into another BatchNorm in training mode has an exactly zero gradient,
 * which float32 gives as rounding noise, in PyTorch as here): for those the scale is a thousandth
 * of the model's largest gradient.
 */
function relErr(a: Float32Array | Int32Array, b: Float32Array | Int32Array, floor = 0): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function maxAbs(a: Float32Array | Int32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

describeSuite('torch', 'torchvision architectures equal PyTorch', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'tfai-torchvision-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, (o: { numClasses: number }) => Module][] = [
    ['resnet18', (o) => resnet18(o)],
    ['resnet34', (o) => resnet34(o)],
    ['resnet50', (o) => resnet50(o)],
    ['mobilenet_v2', (o) => mobilenetV2({ ...o, dropout: 0 })],
  ];
  for (const [arch, build] of cases) {
    it(`${arch}: eval and training outputs, loss, running statistics, and every unit's forward and backward pass`, async () => {
      const r = spawnSync(TORCH_PYTHON, [SCRIPT, dir, arch, '64', '2'], {
        encoding: 'utf8',
        env: { ...process.env, MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' },
        timeout: 300_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const units = r.stdout.trim().split(',');
      const weights = join(dir, `${arch}.pth`);
      const model = build({ numClasses: 10 });
      await loadWeights(model, weights);
      const ref = await loadTorchStateDict(join(dir, `${arch}-ref.pth`));
      const get = (k: string): TorchTensor => {
        const t = ref.get(k);
        if (!t) throw new Error(`reference lacks ${k}`);
        return t;
      };
      /** A reference tensor in tfai's layout (NCHW activations to NHWC). */
      const nhwc = (k: string): tf.Tensor => tf.tidy(() => {
        const t = tf.tensor(get(k).data, get(k).shape);
        return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
      });
      const errs: Record<string, number> = {};
      const worst = (k: string, e: number): void => {
        errs[k] = Math.max(errs[k] ?? 0, e);
      };
      const x = nhwc('x');
      const y = tf.tensor1d(get('y').data as Int32Array, 'int32');
      const n0 = tf.memory().numTensors;

      // the whole network: eval output, then one training step's output, loss and gradients
      model.eval();
      const evalOut = model.forward(x);
      worst('eval output', relErr(await values(evalOut), get('eval_out').data));
      evalOut.dispose();
      model.train();
      let out: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const o = model.forward(x);
        out = tf.keep(o.clone());
        return crossEntropy(o, y);
      }, model.parameters());
      worst('train output', relErr(await values(out!), get('train_out').data));
      worst('loss', relErr(await values(value), get('loss').data));
      const kinds = layoutKinds(model);
      const gradFloor = 1e-3 * Math.max(...model.namedParameters().map(([name]) => maxAbs(get(`grad.${name}`).data)));
      let endToEnd = 0;
      for (const [name, p] of model.namedParameters()) {
        const kind = kinds.get(name);
        const g = tf.tidy(() => (kind ? tf.transpose(grads[p.name], [...TO_TORCH[kind]]) : grads[p.name].clone()));
        endToEnd = Math.max(endToEnd, relErr(await values(g), get(`grad.${name}`).data, gradFloor));
        g.dispose();
      }
      tf.dispose([value, out!, ...Object.values(grads)]);

      // every unit on PyTorch's own input and output gradient: its output, its parameters'
      // gradients and its input's gradient (fresh weights: each BatchNorm sees one training batch)
      await loadWeights(model, weights);
      const byName = new Map(model.namedModules());
      for (const unit of units) {
        const m = byName.get(unit)!;
        const xin0 = nhwc(`in.${unit}`);
        const xin = tf.variable(xin0);
        xin0.dispose();
        const gout = nhwc(`gout.${unit}`);
        let uout: tf.Tensor | null = null;
        const vars = [...m.parameters(), xin];
        const g = tf.variableGrads(() => {
          const o = m.forward(xin);
          uout = tf.keep(o.clone());
          return tf.sum(tf.mul(o, gout)) as tf.Scalar;
        }, vars);
        const want = nhwc(`out.${unit}`);
        worst('unit outputs', relErr(await values(uout!), await values(want)));
        want.dispose();
        for (const [name, p] of m.namedParameters()) {
          const kind = kinds.get(`${unit}.${name}`);
          const t = tf.tidy(() => (kind ? tf.transpose(g.grads[p.name], [...TO_TORCH[kind]]) : g.grads[p.name].clone()));
          worst('unit parameter gradients', relErr(await values(t), get(`grad.${unit}.${name}`).data, gradFloor));
          t.dispose();
        }
        if (ref.has(`gin.${unit}`)) {
          const gin = nhwc(`gin.${unit}`);
          worst('unit input gradients', relErr(await values(g.grads[xin.name]), await values(gin)));
          gin.dispose();
        }
        tf.dispose([xin, gout, uout!, g.value, ...Object.values(g.grads)]);
      }
      for (const [name, b] of model.namedBuffers()) {
        if (name.includes('running')) worst('running statistics', relErr(await values(b), get(`after.${name}`).data));
      }
      tf.dispose([x, y]);
      expect(tf.memory().numTensors).toBe(n0 - 2);
      console.log(`${arch} vs PyTorch, max |Δ| / max |ref| per tensor: ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}; end-to-end gradients ${endToEnd.toExponential(1)}`);
      for (const [k, v] of Object.entries(errs)) expect(v, `${arch} ${k}`).toBeLessThanOrEqual(TOL);
      model.dispose();
    }, 600_000);
  }
});
