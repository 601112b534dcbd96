import { beforeAll, describe, expect, it } from 'vitest';
import { NORM_KINDS } from '../../../src/models/norms/norm-factory.js';
import {
  tf, convLayer, getCnnModel, getCnnLayers, initCnn, setSeed, Conv2d, GeneralRelu, BatchNorm2d, BatchNorm, LayerNorm,
  InstanceNorm, GroupNorm, RunningBatchNorm, Linear, AdaptiveAvgPool2d, Flatten, type NormKind, type Module,
} from '../../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const NORM_CLASS: Record<Exclude<NormKind, 'none'>, abstract new (...args: never[]) => Module> = {
  batch: BatchNorm2d,
  'batch-scratch': BatchNorm,
  layer: LayerNorm,
  instance: InstanceNorm,
  group: GroupNorm,
  running: RunningBatchNorm,
};

const types = (m: Module): string[] => m.children().map((c) => c.constructor.name);
const conv = (m: Module): Conv2d => m.children()[0] as Conv2d;

describe('convLayer', () => {
  it('defaults to the course\'s conv, GeneralRelu, BatchNorm2d without conv bias', () => {
    const l = convLayer(1, 8, 5);
    expect(types(l)).toEqual(['Conv2d', 'GeneralRelu', 'BatchNorm2d']);
    expect(conv(l).bias).toBeNull();
    expect(conv(l).ks).toBe(5);
    expect(conv(l).stride).toBe(2);
    expect(conv(l).padding).toBe(2);
  });

  it('bn: false gives conv (with bias) and GeneralRelu only', () => {
    const l = convLayer(1, 8, 3, 1, { bn: false, leak: 0.1, sub: 0.4, maxv: 6 });
    expect(types(l)).toEqual(['Conv2d', 'GeneralRelu']);
    expect(conv(l).bias).not.toBeNull();
    const act = l.children()[1] as GeneralRelu;
    expect([act.leak, act.sub, act.maxv]).toEqual([0.1, 0.4, 6]);
  });

  for (const kind of NORM_KINDS) {
    it(`norm '${kind}': layer order and types, after and before the activation`, () => {
      const after = convLayer(4, 8, 3, 2, { norm: kind });
      const first = convLayer(4, 8, 3, 2, { norm: kind, normFirst: true });
      if (kind === 'none') {
        expect(types(after)).toEqual(['Conv2d', 'GeneralRelu']);
        expect(types(first)).toEqual(['Conv2d', 'GeneralRelu']);
        expect(conv(after).bias).not.toBeNull();
        return;
      }
      const cls = NORM_CLASS[kind];
      expect(after.children()[0]).toBeInstanceOf(Conv2d);
      expect(after.children()[1]).toBeInstanceOf(GeneralRelu);
      expect(after.children()[2]).toBeInstanceOf(cls);
      expect(first.children()[0]).toBeInstanceOf(Conv2d);
      expect(first.children()[1]).toBeInstanceOf(cls);
      expect(first.children()[2]).toBeInstanceOf(GeneralRelu);
      expect(conv(after).bias).toBeNull();
      expect(conv(first).bias).toBeNull();
    });
  }

  it('norm overrides bn: false; a function builds the norm; bias can be forced', () => {
    expect(types(convLayer(4, 8, 3, 2, { bn: false, norm: 'running' }))).toEqual(['Conv2d', 'GeneralRelu', 'RunningBatchNorm']);
    const seen: number[] = [];
    const l = convLayer(4, 6, 3, 2, { norm: (nf) => (seen.push(nf), new GroupNorm(3, nf)) });
    expect(seen).toEqual([6]);
    expect((l.children()[2] as GroupNorm).numGroups).toBe(3);
    expect(conv(convLayer(4, 8, 3, 2, { norm: 'layer', bias: true })).bias).not.toBeNull();
  });

  it('passes groups, eps and mom through to the norm', () => {
    const g = convLayer(4, 8, 3, 2, { norm: 'group', groups: 2, eps: 1e-3 }).children()[2] as GroupNorm;
    expect([g.numGroups, g.nf, g.eps]).toEqual([2, 8, 1e-3]);
    const b = convLayer(4, 8, 3, 2, { mom: 0.2, eps: 1e-4 }).children()[2] as BatchNorm2d;
    expect([b.momentum, b.eps]).toEqual([0.2, 1e-4]);
    const r = convLayer(4, 8, 3, 2, { norm: 'running', mom: 0.3 }).children()[2] as RunningBatchNorm;
    expect(r.mom).toBe(0.3);
    const s = convLayer(4, 8, 3, 2, { norm: 'batch-scratch', mom: 0.05 }).children()[2] as BatchNorm;
    expect(s.mom).toBe(0.05);
    expect(() => convLayer(4, 8, 3, 2, { norm: 'group', groups: 3 })).toThrow(/divisible/);
  });
});

describe('getCnnModel', () => {
  it('is 5×5 then 3×3 stride-2 conv blocks, pool, flatten, linear', () => {
    const layers = getCnnLayers({ c: 10 }, [8, 16, 32]);
    expect(layers.map((l) => l.constructor.name)).toEqual(['Sequential', 'Sequential', 'Sequential', 'AdaptiveAvgPool2d', 'Flatten', 'Linear']);
    expect(conv(layers[0]).ks).toBe(5);
    expect(conv(layers[1]).ks).toBe(3);
    expect(layers[3]).toBeInstanceOf(AdaptiveAvgPool2d);
    expect(layers[4]).toBeInstanceOf(Flatten);
    expect(layers[5]).toBeInstanceOf(Linear);
  });

  const forward = (opts: Parameters<typeof getCnnModel>[3]): number[] => {
    const model = getCnnModel({ c: 10 }, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6, ...opts });
    const x = tf.randomNormal([2, 28, 28, 1]);
    try {
      const y = tf.tidy(() => model.forward(x));
      const shape = y.shape;
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
      return shape;
    } finally {
      x.dispose();
      model.dispose();
    }
  };

  for (const kind of NORM_KINDS.filter((k) => k !== 'instance')) {
    it(`maps [2, 28, 28, 1] to [2, 10] with norm '${kind}'`, () => {
      expect(forward({ norm: kind })).toEqual([2, 10]);
    });
  }

  it("norm 'instance' cannot normalise the last block's 1×1 maps with the unbiased variance (the notebook's NaN)", () => {
    // 28 → 14 → 7 → 4 → 2 → 1: the fifth block's instance statistics cover one pixel.
    expect(() => forward({ norm: 'instance' })).toThrow(/H \* W > 1.*\[2, 1, 1, 64\]/);
    expect(forward({ norm: (nf) => new InstanceNorm(nf, { unbiased: false }) })).toEqual([2, 10]);
  });
});

describe('initCnn', () => {
  for (const uniform of [false, true]) {
    it(`gives conv weights std ≈ gain(0.1)/√fanIn and zero biases (${uniform ? 'uniform' : 'normal'})`, () => {
      setSeed(11);
      const model = getCnnModel({ c: 10 }, [16, 32, 64], convLayer, { bn: false });
      initCnn(model, { uniform });
      const convs = model.modules().filter((m): m is Conv2d => m instanceof Conv2d);
      expect(convs).toHaveLength(3);
      for (const c of convs) {
        const w = Array.from(c.weight.dataSync());
        const fan = c.ks * c.ks * c.ni;
        const want = Math.sqrt(2 / (1 + 0.01)) / Math.sqrt(fan);
        const mean = w.reduce((a, b) => a + b, 0) / w.length;
        const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
        // Relative standard error of a sample std is about 1/√(2n): 400 weights → 3.5 %; allow 4 of them.
        expect(Math.abs(std / want - 1)).toBeLessThan(4 / Math.sqrt(2 * w.length));
        expect(Math.abs(mean)).toBeLessThan((4 * want) / Math.sqrt(w.length));
        expect(Array.from(c.bias!.dataSync()).every((b) => b === 0)).toBe(true);
      }
      model.dispose();
    });
  }
});
