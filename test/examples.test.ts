/** Smoke tests of the example scripts: they import only the public API, run, and explain missing data. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runExample } from './helpers/run-example.js';
import { writeFakeCifar } from './helpers/fake-cifar.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfai-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('examples', () => {
  it('import only the public API (src/index.ts and the tfai/data, io, backend, plot sub-path entries) and their local helpers', () => {
    for (const f of readdirSync(join(repoRoot, 'examples')).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(repoRoot, 'examples', f), 'utf8');
      for (const [, spec] of src.matchAll(/from '([^']+)'/g)) {
        expect(spec, `${f} imports ${spec}`).toMatch(/^(\.\.\/src\/(index|data\/index|io\/index|backend\/index|plot\/index)\.js|\.\/[a-z-]+\.js|node:.+)$/);
      }
    }
    // the scripts generated from the notebooks, one folder down
    for (const f of readdirSync(join(repoRoot, 'examples', 'notebooks')).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(repoRoot, 'examples', 'notebooks', f), 'utf8');
      for (const [, spec] of src.matchAll(/from '([^']+)'/g)) {
        expect(spec, `notebooks/${f} imports ${spec}`).toMatch(/^(\.\.\/\.\.\/src\/(index|data\/index|io\/index|backend\/index|plot\/index)\.js|\.\.\/args\.js|node:.+)$/);
      }
    }
  });

  it('mnist-batchnorm (npm start) trains an epoch on the embedded digits', async () => {
    const { code, out } = await runExample('mnist-batchnorm.ts', ['--epochs', '1', '--bs', '512']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/tfai: backend wasm/);
    expect(out).toMatch(/train: \[\d\.\d+, \d\.\d+\]\nvalid: \[\d\.\d+, \d\.\d+\]/);
    expect(out).toMatch(/final valid accuracy 0\.\d+/);
  });

  it('interpret trains with fitOneCycle, logs CSV and TensorBoard, and writes the interpretation pictures', async () => {
    const out = join(tmp, 'interpret');
    const { code, out: log } = await runExample('interpret.ts', ['--epochs', '1', '--bs', '512', '--out', out]);
    expect(code, log).toBe(0);
    expect(log).toMatch(/final valid: loss \d\.\d+, accuracy 0\.\d+, error rate 0\.\d+, macro F1 0\.\d+/);
    expect(log).toMatch(/top losses: #\d+ \d\/\d loss \d+\.\d\d/);
    const csv = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,train_loss,train_accuracy,train_error_rate,train_f1_score,valid_loss,valid_accuracy,valid_error_rate,valid_f1_score,time,wall_time');
    expect(csv).toHaveLength(2);
    expect(readdirSync(join(out, 'runs', 'mnist-one-cycle'))[0]).toMatch(/^events\.out\.tfevents\./);
    for (const f of ['confusion-matrix.png', 'top-losses.png', 'results.png']) expect(readFileSync(join(out, f)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('cifar10-tricks says where to put missing data and exits with code 2', async () => {
    const { code, out } = await runExample('cifar10-tricks.ts', ['--data', join(tmp, 'nothing-here')]);
    expect(code).toBe(2);
    expect(out).toMatch(/CIFAR-10 data is not available in .*nothing-here/);
    expect(out).toMatch(/downloadCifar10/);
  });

  it('cifar10-tricks runs on a small set in the official binary format and prints its table', async () => {
    const dir = join(tmp, 'cifar');
    writeFakeCifar(dir, 20, 40);
    const { code, out } = await runExample('cifar10-tricks.ts', ['--data', dir, '--part', 'bn', '--epochs', '1', '--subset', '60']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/experiment\s+optimizer\s+lr\s+epochs\s+train loss\s+test loss\s+test acc/);
    expect(out.match(/CNN \+ BatchNorm\s+SGD mom 0\.9/g)).toHaveLength(2);
  });
});
