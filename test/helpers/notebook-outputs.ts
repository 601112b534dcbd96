/**
 * What a notebook's saved outputs say, in a form two executions can be compared by: per code cell,
 * the kinds of rich outputs in order (`image/png`, `text/html`, …), and the numbers it printed with
 * three or more decimals (losses, accuracies — not times, which print as `00:02` or `1.2 s`, nor
 * counts). Text comes from stream outputs and from HTML with its tags stripped.
 */
import { readFileSync } from 'node:fs';

/** One code cell's outputs, reduced. */
export type CellOutputs = { index: number; kinds: string[]; numbers: number[]; errors: string[] };

type NbOutput = { output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[]>; ename?: string; evalue?: string };
type NbCell = { cell_type: string; source: string | string[]; outputs?: NbOutput[]; execution_count?: number | null; metadata?: { tags?: string[] } };
/** The parts of a notebook file these checks read. */
export type Notebook = { cells: NbCell[]; metadata: { kernelspec?: { name?: string; language?: string } } };

const join = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));

/** Read a notebook file. */
export function readNotebook(file: string): Notebook {
  return JSON.parse(readFileSync(file, 'utf8')) as Notebook;
}

/** Numbers written with at least three decimals (optionally in exponent form), in order. */
export function decimals(text: string): number[] {
  return [...text.matchAll(/-?\d+\.\d{3,}(?:e[-+]?\d+)?/gi)].map((m) => Number(m[0]));
}

/** HTML to its text: tags dropped, entities decoded. */
function htmlText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** Every code cell's outputs, reduced (see the module comment). */
export function cellOutputs(nb: Notebook): CellOutputs[] {
  const out: CellOutputs[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const kinds: string[] = [];
    const errors: string[] = [];
    let text = '';
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'stream') {
        text += join(o.text);
        if (o.name === 'stderr') errors.push(join(o.text).trim());
      } else if (o.output_type === 'error') {
        errors.push(`${o.ename}: ${o.evalue}`);
      } else if (o.data) {
        const mime = Object.keys(o.data).filter((k) => k !== 'text/plain').sort().join('+') || 'text/plain';
        kinds.push(mime);
        if (o.data['text/html']) text += htmlText(join(o.data['text/html']));
        else if (mime === 'text/plain') text += join(o.data['text/plain']);
      }
    }
    out.push({ index, kinds, numbers: decimals(text), errors });
  });
  return out;
}

/** How far apart two printed numbers may be: `abs` plus `rel` of the larger magnitude. */
export type Tolerance = { abs: number; rel: number };

/**
 * The differences between a fresh execution and the committed outputs: cells whose rich outputs
 * differ in kind or count, whose numbers differ in count, or any number further apart than `tol`.
 * Empty when they agree.
 */
export function compareOutputs(committed: Notebook, fresh: Notebook, tol: Tolerance): string[] {
  const a = cellOutputs(committed);
  const b = cellOutputs(fresh);
  if (a.length !== b.length) return [`${a.length} code cells committed, ${b.length} executed`];
  const problems: string[] = [];
  a.forEach((ca, i) => {
    const cb = b[i];
    const where = `cell ${ca.index + 1}`;
    if (ca.kinds.join(',') !== cb.kinds.join(',')) problems.push(`${where}: outputs [${ca.kinds}] committed, [${cb.kinds}] now`);
    if (ca.numbers.length !== cb.numbers.length) {
      problems.push(`${where}: ${ca.numbers.length} numbers committed, ${cb.numbers.length} now`);
      return;
    }
    ca.numbers.forEach((x, k) => {
      const y = cb.numbers[k];
      const limit = tol.abs + tol.rel * Math.max(Math.abs(x), Math.abs(y));
      if (!(Math.abs(x - y) <= limit)) problems.push(`${where}: number ${k + 1} is ${y} now, ${x} committed (tolerance ${limit.toPrecision(2)})`);
    });
  });
  return problems;
}
