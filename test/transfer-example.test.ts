/**
 * Smoke test of examples/transfer-fashion.ts on the real Fashion-MNIST (Debian's
 * dataset-fashion-mnist): pretraining, saving in torchvision's names, visionLearner + fineTune on
 * the other five classes and the from-scratch baseline, at a size that runs in a minute or two.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runExample } from './helpers/run-example.js';
import { describeSuite } from './helpers/suites.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-transfer-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const isPng = (path: string): boolean => readFileSync(path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

describeSuite('fashion-mnist', 'transfer-fashion example', () => {
  it('pretrains on five classes, fine-tunes on the other five, trains the baseline, prints the table and saves the pictures', async () => {
    const out = join(tmp, 'transfer');
    const r = await runExample('transfer-fashion.ts', ['--pretrainN', '256', '--pretrainEpochs', '1', '--perClass', '8', '--epochs', '1', '--validN', '64', '--bs', '32', '--findIters', '6', '--out', out]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/pretraining resnet18 \(1 input channel, 5 classes\) on 256 images of T-shirt\/top, Trouser, Dress, Sneaker, Bag/);
    expect(r.out).toMatch(/target task: 40 training images \(8 per class\) of Pullover, Coat, Sandal, Shirt, Ankle boot; 64 test images/);
    expect(r.out).toMatch(/^model\s+train images\s+epochs\s+test accuracy\s+time/m);
    expect(r.out).toMatch(/lrFind \(lr-find-finetune\): minimum \/ 10 at [\d.e-]+/);
    expect(r.out).toMatch(/^fineTune\(1, [\d.e-]+\) from the pretrained body\s+40\s+1 \+ 1\s+0\.\d{4}/m);
    expect(r.out).toMatch(/^fineTune\(1, [\d.e-]+, \{ lrMult: 1 \}\) from the pretrained body\s+40\s+1 \+ 1\s+0\.\d{4}/m);
    expect(r.out).toMatch(/^fitOneCycle\(2, [\d.e-]+\) from random weights\s+40\s+2\s+0\.\d{4}/m);
    expect(existsSync(join(out, 'resnet18-fashion5.safetensors'))).toBe(true);
    for (const f of ['transfer-accuracy.png', 'finetuned-results.png', 'scratch-results.png', 'lr-find-finetune/lr-find.png', 'lr-find-scratch/lr-find.png']) expect(isPng(join(out, f)), f).toBe(true);
  }, 300_000);
});
