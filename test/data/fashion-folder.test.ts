/**
 * End to end on real data: Fashion-MNIST written out as a folder of JPEGs of varied sizes (28–112
 * px, stretched), trained from the folder at 28×28, reaches the accuracy of the same training from
 * the IDX files within seed noise (`examples/fashion-folder.ts` on a 2,000-image subset; measured:
 * differences of 0.002–0.005 over three seeds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.js';
import { describeSuite } from '../helpers/suites.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-fashion-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeSuite('fashion-mnist', 'Fashion-MNIST as a folder of JPEGs', () => {
  it('trains from the folder to the accuracy of the IDX path', async () => {
    const r = await runExample('fashion-folder.ts', ['--subset', '2000', '--epochs', '4', '--dir', join(tmp, 'jpegs')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/2000 train \/ 2000 valid JPEGs, 28–112 px/);
    const m = /from the JPEG folder accuracy (0\.\d+) .*from IDX (0\.\d+)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    const [folder, idx] = [Number(m![1]), Number(m![2])];
    expect(idx).toBeGreaterThan(0.7);
    expect(Math.abs(folder - idx)).toBeLessThan(0.03);
  }, 240_000);
});
