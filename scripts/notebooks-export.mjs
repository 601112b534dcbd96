#!/usr/bin/env node
/**
 * `npm run notebooks:export`: the example scripts `examples/notebooks/<name>.ts` are generated from
 * the notebooks `notebooks/<name>.ipynb` (as nbdev exports modules from notebooks), so the two
 * cannot drift apart: edit the notebook, run this, commit both. `--check` writes nothing and fails
 * when a script is not what its notebook gives (the test suite runs it).
 *
 * A script is the notebook's code cells in order, under the notebook's headings as comments:
 * - `import … from 'tfai'` (and `'tfai/data'`, …) become imports of the repository's source
 *   (`'../../src/index.js'`), so the scripts run with `npx tsx` without a build and are
 *   type-checked with the rest of the project (`npm run typecheck`);
 * - the cell tagged `parameters` (papermill's convention) holds `const name = value; // what`
 *   lines; in the script each becomes a command-line flag with that default
 *   (`--epochs 3`), through `examples/args.ts`;
 * - cells tagged `notebook-only` are left out.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nbDir = path.join(root, 'notebooks');
const outDir = path.join(root, 'examples', 'notebooks');
const check = process.argv.includes('--check');

const SUB_PATHS = new Set(['data', 'io', 'backend', 'plot']);

/** A cell's source as one string (the format allows a string or a list of lines). */
const text = (cell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source ?? '');
const tags = (cell) => cell.metadata?.tags ?? [];

/** `from 'tfai'` → the source entry, as the hand-written examples import it. */
function rewriteImports(code, where) {
  return code.replace(/(from\s+)(['"])tfai(?:\/([a-z]+))?\2/g, (_, from, q, sub) => {
    if (sub && !SUB_PATHS.has(sub)) throw new Error(`${where}: unknown tfai sub-path 'tfai/${sub}'`);
    return `${from}'../../src/${sub ? `${sub}/` : ''}index.js'`;
  });
}

/** The parameters cell as flags: `const { a, b } = flags({ a: 1, b: 'x' });`. */
function parametersToFlags(code, where) {
  const entries = [];
  for (const line of code.split('\n')) {
    if (!line.trim() || line.trim().startsWith('//')) continue;
    const m = /^const\s+([A-Za-z_$][\w$]*)\s*=\s*(-?\d[\d_.eE+-]*|'[^'\\]*'|"[^"\\]*"|true|false)\s*;\s*(\/\/.*)?$/.exec(line.trim());
    if (!m) throw new Error(`${where}: the parameters cell may hold only lines \`const name = <number | 'string' | boolean>; // comment\`, got: ${line.trim()}`);
    entries.push({ name: m[1], value: m[2], comment: m[3] ?? '' });
  }
  if (!entries.length) throw new Error(`${where}: the parameters cell declares nothing`);
  const body = entries.map((e) => `  ${e.name}: ${e.value},${e.comment ? ` ${e.comment}` : ''}`).join('\n');
  return `const { ${entries.map((e) => e.name).join(', ')} } = flags({\n${body}\n});`;
}

/** The script generated from one notebook. */
function exportNotebook(file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  const nb = JSON.parse(readFileSync(file, 'utf8'));
  const cells = nb.cells ?? [];
  const firstMd = cells.find((c) => c.cell_type === 'markdown');
  const title = firstMd ? (text(firstMd).split('\n').find((l) => l.startsWith('# ')) ?? '').replace(/^#\s+/, '') : '';
  const name = path.basename(file, '.ipynb');
  const params = cells.filter((c) => c.cell_type === 'code' && tags(c).includes('parameters'));
  if (params.length > 1) throw new Error(`${rel}: more than one cell is tagged 'parameters'`);
  const flagNames = params.length ? [...text(params[0]).matchAll(/^\s*const\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]) : [];

  const out = [
    '/**',
    ` * ${title || name}`,
    ' *',
    ` * Generated from ${rel} by \`npm run notebooks:export\`: edit the notebook, not this file.`,
    ` *   npx tsx examples/notebooks/${name}.ts${flagNames.length ? ` [${flagNames.map((f) => `--${f} …`).join(' ')}]` : ''}`,
    ' * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).',
    ' */',
  ];
  if (params.length) out.push("import { flags } from '../args.js';");
  cells.forEach((cell, i) => {
    const where = `${rel} cell ${i + 1}`;
    if (cell.cell_type === 'markdown') {
      for (const line of text(cell).split('\n')) if (/^#{1,3}\s/.test(line)) out.push('', `// ${line}`);
      return;
    }
    if (cell.cell_type !== 'code' || tags(cell).includes('notebook-only')) return;
    const code = text(cell).replace(/\s+$/, '');
    if (!code) return;
    if (/^\s*[%!]/m.test(code)) throw new Error(`${where}: magics and shell escapes (% / !) do not run in a script`);
    out.push('', tags(cell).includes('parameters') ? `// parameters (each one a command-line flag)\n${parametersToFlags(code, where)}` : rewriteImports(code, where));
  });
  return `${out.join('\n')}\n`;
}

const notebooks = readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort();
const stale = [];
if (!check) mkdirSync(outDir, { recursive: true });
for (const f of notebooks) {
  const script = exportNotebook(path.join(nbDir, f));
  const target = path.join(outDir, f.replace(/\.ipynb$/, '.ts'));
  const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
  if (current === script) continue;
  if (check) stale.push(path.relative(root, target));
  else {
    writeFileSync(target, script);
    console.log(`notebooks:export: wrote ${path.relative(root, target)}`);
  }
}
const orphans = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts') && !notebooks.includes(f.replace(/\.ts$/, '.ipynb'))) : [];
if (check) {
  const problems = [...stale.map((s) => `${s} differs from its notebook`), ...orphans.map((o) => `examples/notebooks/${o} has no notebook`)];
  if (problems.length) {
    console.error(`notebooks:export --check: ${problems.join('; ')}. Run \`npm run notebooks:export\` (and delete scripts without a notebook).`);
    process.exit(1);
  }
  console.log(`notebooks:export --check: ${notebooks.length} script(s) match their notebooks`);
} else if (orphans.length) {
  console.warn(`notebooks:export: no notebook for ${orphans.map((o) => `examples/notebooks/${o}`).join(', ')} — delete it if the notebook is gone`);
}
