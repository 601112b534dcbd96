/**
 * Figure files on disk (Node): a named folder or file, or — for a script that shows figures nowhere
 * — the default folder `out/figures` (`TFAI_FIGURE_DIR` overrides), where a name used twice in one
 * program gets a number (`loss`, `loss-2`, …) instead of overwriting the first figure.
 */
import * as path from '../platform/path.js';
import { cwd, env } from '../platform/process.js';
import { saveFigure, saveFigureFile } from '../plot/save-figure.js';
import type { Figure, FigureFiles, FigureTarget } from './figure-types.js';

/** The folder figures go to when nothing else is said: `TFAI_FIGURE_DIR`, else `out/figures`. */
export function defaultFigureDir(): string {
  return env('TFAI_FIGURE_DIR') || path.join('out', 'figures');
}

/** How many figures of each name this program wrote to the default folder. */
const written = new Map<string, number>();

/** Write `figure` to `target`: `<dir>/<name>.svg` and `.png`, or the one file. */
export async function writeFigureFiles(figure: Figure, target: FigureTarget): Promise<FigureFiles> {
  if ('file' in target) return { file: await saveFigureFile(figure.svg, target.file) };
  return saveFigure(figure.svg, target.dir, figure.name);
}

/** Write `figure` into the default folder under a name not used before by this program, and print where. */
export async function writeDefaultFigure(figure: Figure): Promise<FigureFiles> {
  const n = (written.get(figure.name) ?? 0) + 1;
  written.set(figure.name, n);
  const name = n === 1 ? figure.name : `${figure.name}-${n}`;
  const saved = await saveFigure(figure.svg, defaultFigureDir(), name);
  const rel = path.relative(cwd(), saved.png);
  console.log(`figure: ${rel.startsWith('..') || path.isAbsolute(rel) ? saved.png : rel} (and .svg)`);
  return saved;
}
