/**
 * The notebooks in notebooks/. Without Jupyter: their example scripts are what they generate, each
 * notebook is committed executed (outputs, figures inline, no errors), and a generated script runs
 * as a script. In the jupyter suite: every notebook executed headlessly with the TypeScript kernel
 * (any failing cell fails the test), and what it prints agrees with its committed outputs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSuite } from './helpers/suites.js';
import { repoRoot, runExample } from './helpers/run-example.js';
import { cellOutputs, compareOutputs, readNotebook, type Notebook, type Tolerance } from './helpers/notebook-outputs.js';

const run = promisify(execFile);
const nbDir = join(repoRoot, 'notebooks');
const notebooks = readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort();
const tmp = mkdtempSync(join(tmpdir(), 'tfai-notebooks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * How close a fresh execution's numbers must be to the committed ones. tfai on wasm is
 * deterministic per seed, and its kernels give the same bits whatever the thread count: executions
 * on 1 and on 2 threads, and repeated ones, printed the same 102 numbers to the last digit (the
 * first three notebooks). The tolerance leaves room for the last printed digit only.
 */
const TOLERANCE: Tolerance = { abs: 1e-4, rel: 1e-4 };

describe('notebooks', () => {
  it('are the six course notebooks, each with the TypeScript kernel and its outputs committed: every code cell ran, none failed, figures inline', () => {
    expect(notebooks).toEqual(['00_quickstart.ipynb', '01_mnist_batchnorm.ipynb', '02_norms.ipynb', '03_batchnorm_walkthrough.ipynb', '04_lab.ipynb', '05_ladder.ipynb']);
    for (const f of notebooks) {
      const nb = readNotebook(join(nbDir, f));
      expect(nb.metadata.kernelspec?.name, f).toBe('tslab');
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.filter((c) => !c.execution_count).length, `${f}: code cells not executed`).toBe(0);
      const outs = cellOutputs(nb);
      expect(outs.flatMap((c) => c.errors.map((e) => `${f} cell ${c.index + 1}: ${e}`))).toEqual([]);
      expect(outs.some((c) => c.kinds.includes('image/png')), `${f} shows a figure`).toBe(true);
      expect(code.filter((c) => c.metadata?.tags?.includes('parameters')), `${f}: one parameters cell`).toHaveLength(1);
    }
  });

  it('the comparison of outputs catches a number out of tolerance, a missing figure and an error, and ignores times', () => {
    const cell = (text: string, extra: object[] = []) => ({ cell_type: 'code', source: '', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text }, ...extra] });
    const png = { output_type: 'display_data', data: { 'image/png': 'iVBOR', 'text/plain': '<Figure>' } };
    const html = (rows: string) => ({ output_type: 'display_data', data: { 'text/html': `<table><tr><td>0</td><td>${rows}</td><td>00:02</td></tr></table>` } });
    const nb = (cells: object[]) => ({ metadata: {}, cells }) as Notebook;
    const committed = nb([cell('loss 0.1234, wall time 1.2 s\n', [png]), cell('', [html('0.912345')])]);
    expect(compareOutputs(committed, nb([cell('loss 0.1234, wall time 9.9 s\n', [png]), cell('', [html('0.912345')])]), TOLERANCE)).toEqual([]);
    expect(compareOutputs(committed, nb([cell('loss 0.1235, wall time 1.2 s\n', [png]), cell('', [html('0.912345')])]), TOLERANCE)).toEqual([]); // the last digit
    expect(compareOutputs(committed, nb([cell('loss 0.1241\n', [png]), cell('', [html('0.912345')])]), TOLERANCE)).toEqual(['cell 1: number 1 is 0.1241 now, 0.1234 committed (tolerance 0.00011)']);
    expect(compareOutputs(committed, nb([cell('loss 0.1234\n'), cell('', [html('0.902345')])]), TOLERANCE)).toEqual([
      'cell 1: outputs [image/png] committed, [] now',
      'cell 2: number 1 is 0.902345 now, 0.912345 committed (tolerance 0.00019)',
    ]);
    const failed = nb([{ cell_type: 'code', source: '', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stderr', text: 'ReferenceError: x is not defined' }] }]);
    expect(cellOutputs(failed)[0].errors).toEqual(['ReferenceError: x is not defined']);
  });

  it('examples/notebooks/*.ts are the scripts the notebooks generate (npm run notebooks:export)', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'scripts', 'notebooks-export.mjs'), '--check'], { cwd: repoRoot });
    expect(stdout).toMatch(/6 script\(s\) match their notebooks/);
  });

  it('the check fails when a script and its notebook differ', async () => {
    const copy = join(tmp, 'repo');
    for (const d of ['notebooks', 'examples/notebooks', 'scripts']) mkdirSync(join(copy, d), { recursive: true });
    copyFileSync(join(repoRoot, 'scripts', 'notebooks-export.mjs'), join(copy, 'scripts', 'notebooks-export.mjs'));
    copyFileSync(join(nbDir, '00_quickstart.ipynb'), join(copy, 'notebooks', '00_quickstart.ipynb'));
    const script = readFileSync(join(repoRoot, 'examples', 'notebooks', '00_quickstart.ts'), 'utf8');
    expect(script).toContain('epochs: 3,');
    writeFileSync(join(copy, 'examples', 'notebooks', '00_quickstart.ts'), script.replace('epochs: 3,', 'epochs: 4,'));
    const r = await run(process.execPath, [join(copy, 'scripts', 'notebooks-export.mjs'), '--check'], { cwd: copy }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/examples\/notebooks\/00_quickstart\.ts differs from its notebook.*npm run notebooks:export/);
  });

  it('a generated script runs as a script, its figures written to files', async () => {
    const figures = join(tmp, 'figures');
    process.env.TFAI_FIGURE_DIR = figures;
    try {
      const { code, out } = await runExample('notebooks/00_quickstart.ts', ['--epochs', '1']);
      expect(code, out).toBe(0);
      expect(out).toMatch(/epoch +train_loss +valid_loss +accuracy +time\n0 +\d\.\d{6}/);
      expect(out).toMatch(/suggested learning rate: \d/);
      expect(readdirSync(figures).sort()).toEqual(['batch.png', 'batch.svg', 'loss.png', 'loss.svg', 'lr.png', 'lr.svg']);
    } finally {
      delete process.env.TFAI_FIGURE_DIR;
    }
  }, 240_000);
});

describeSuite('jupyter', 'notebooks executed with the TypeScript kernel', () => {
  const kernels = join(tmp, 'jupyter');
  const fresh = join(tmp, 'executed');
  const times: string[] = [];

  beforeAll(async () => {
    // the kernelspec as `npm run notebooks:install` writes it, into a folder of its own
    await run(process.execPath, [join(repoRoot, 'scripts', 'notebooks-install.mjs'), '--skip-npm', '--jupyter-dir', kernels], { cwd: repoRoot });
    expect(existsSync(join(kernels, 'kernels', 'tslab', 'kernel.json'))).toBe(true);
  }, 120_000);

  afterAll(() => {
    if (times.length) console.log(`notebooks executed: ${times.join(', ')}`);
  });

  for (const f of notebooks) {
    it(`${f} runs top to bottom and prints what its committed outputs show`, async () => {
      const t0 = performance.now();
      const r = await run(process.execPath, [join(repoRoot, 'scripts', 'notebooks-run.mjs'), join(nbDir, f), '--out', fresh, '--jupyter-dir', kernels], {
        cwd: repoRoot,
        timeout: 540_000,
        maxBuffer: 1 << 26,
      }).then(
        () => '',
        (e: { stderr?: string; message: string }) => e.stderr || e.message,
      );
      expect(r).toBe('');
      times.push(`${f} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      expect(compareOutputs(readNotebook(join(nbDir, f)), readNotebook(join(fresh, f)), TOLERANCE)).toEqual([]);
    }, 600_000);
  }
});
