/**
 * Smoke tests of the Fashion-MNIST examples on the real data (Debian's dataset-fashion-mnist, which
 * CI installs): the lab in `--quick` mode, and the recipe on a small subset with an ensemble of its
 * checkpoint, end to end. The `fashion-mnist` system suite.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runExample } from './helpers/run-example.js';
import { describeSuite } from './helpers/suites.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-fashion-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const isPng = (path: string): boolean => readFileSync(path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

describeSuite('fashion-mnist', 'Fashion-MNIST examples', () => {
  it('fashion-lab --quick runs all three parts, prints the table and saves one loss picture per part', async () => {
    const out = join(tmp, 'lab');
    const r = await runExample('fashion-lab.ts', ['--quick', '--out', out]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Fashion-MNIST: reading \/usr\/share\/datasets\/fashion-mnist/);
    expect(r.out).toMatch(/part\s+model\s+optimizer\s+lr\s+bs\s+epochs\s+train loss\s+test loss\s+test acc\s+time/);
    expect(r.out.match(/^lr\s+CNN\s+SGD/gm)).toHaveLength(3);
    expect(r.out.match(/^bn\s+CNN( \+ BatchNorm)?\s+SGD mom 0\.9/gm)).toHaveLength(4);
    expect(r.out).toMatch(/^resnet\s+ResNet\(PlainBlock\) w4\s+Adam/m);
    expect(r.out).toMatch(/^resnet\s+ResNet\(BasicBlock\) w4\s+Adam/m);
    const saved = JSON.parse(readFileSync(join(out, 'lab-losses.json'), 'utf8')) as { rows: unknown[]; curves: Record<string, { name: string; y: number[] }[]> };
    expect(saved.rows).toHaveLength(9);
    expect(saved.curves.lr.map((c) => c.y.length)).toEqual([2, 2, 2]); // 2,048 images at bs 1024
    expect(saved.curves.resnet.map((c) => c.name)).toEqual(['no skip (PlainBlock)', 'skip (BasicBlock)']);
    for (const part of ['lr', 'bn', 'resnet']) {
      expect(existsSync(join(out, `lab-${part}.png`)), `lab-${part}.png`).toBe(true);
      expect(isPng(join(out, `lab-${part}.png`))).toBe(true);
    }
  }, 300_000);

  it('fashion-recipe trains on a subset, checkpoints, and reports plain and TTA accuracy; fashion-ensemble reloads it', async () => {
    const out = join(tmp, 'recipe');
    const r = await runExample('fashion-recipe.ts', ['--subset', '512', '--epochs', '1', '--stem', '8', '--width', '8', '--out', out]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/512 train \/ 512 test, bs 256, 1 epochs/);
    expect(r.out).toMatch(/recipe: test accuracy 0\.\d{4}, with shift TTA 0\.\d{4}/);
    for (const f of ['loss.png', 'lr.png', 'metrics.png', 'ckpt/latest']) expect(existsSync(join(out, f)), f).toBe(true);
    const tta = /with shift TTA (0\.\d{4})/.exec(r.out)![1];
    // the same run twice: each model and the ensemble give the recipe's own TTA accuracy
    const ckpt = `${join(out, 'ckpt')}:8:8`;
    const e = await runExample('fashion-ensemble.ts', ['--subset', '512', '--runs', `${ckpt},${ckpt}`]);
    expect(e.code, e.out).toBe(0);
    expect(e.out.match(new RegExp(`\\(stem 8, width 8\\): test accuracy 0\\.\\d{4}, with shift TTA ${tta}`, 'g'))).toHaveLength(2);
    expect(e.out).toMatch(new RegExp(`ensemble of 2 \\(mean of the TTA probabilities\\): test accuracy ${tta}`));
    // a warm restart from that checkpoint: its weights, a fresh schedule, its own checkpoints
    const out2 = join(tmp, 'restart');
    const w = await runExample('fashion-recipe.ts', ['--subset', '512', '--epochs', '1', '--stem', '8', '--width', '8', '--lr', '0.05', '--init', join(out, 'ckpt'), '--out', out2]);
    expect(w.code, w.out).toBe(0);
    expect(w.out).toContain(`starting from the weights in ${join(out, 'ckpt', 'epoch-0001')}`);
    expect(w.out).toMatch(/recipe: test accuracy 0\.\d{4}, with shift TTA 0\.\d{4}/);
    expect(existsSync(join(out2, 'ckpt/latest'))).toBe(true);
  }, 300_000);
});
