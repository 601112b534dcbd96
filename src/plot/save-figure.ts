/** Writing a figure to disk as both SVG and PNG, or as one file, atomically. */
import { randomHex } from '../platform/crypto.js';
import { mkdir, rename, rm, writeFile } from '../platform/fs.js';
import * as path from '../platform/path.js';
import { svgToPng } from './png.js';
import { pid } from '../platform/process.js';

/** Absolute paths of the two files `saveFigure` wrote. */
export type SavedFigure = {
  /** The SVG file's path. */
  svg: string;
  /** The PNG file's path. */
  png: string;
};

/** Write `data` to `file` via a temporary file in the same directory and a rename, so readers never see a partial file. */
async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${pid()}.${randomHex(4)}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Save `svg` as `<dir>/<name>.svg` and a PNG rendering of it as `<dir>/<name>.png`, creating `dir`
 * (recursively) if needed. Each file is written to a temporary name and renamed into place.
 * The PNG is rendered first, so an unparsable SVG throws before anything is written.
 * `name` must be a plain file name (no path separators). Returns the absolute paths.
 */
export async function saveFigure(svg: string, dir: string, name: string): Promise<SavedFigure> {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new Error(`saveFigure: name must be a plain file name without path separators, got ${JSON.stringify(name)}`);
  }
  const png = svgToPng(svg);
  const absDir = path.resolve(dir);
  await mkdir(absDir, { recursive: true });
  const paths: SavedFigure = { svg: path.join(absDir, `${name}.svg`), png: path.join(absDir, `${name}.png`) };
  await writeFileAtomic(paths.svg, svg);
  await writeFileAtomic(paths.png, png);
  return paths;
}

/**
 * Save `svg` to the one file `file`: the SVG text when the name ends in `.svg`, else a PNG rendering
 * of it. Creates the folder; writes through a temporary file and a rename. Returns the absolute path.
 */
export async function saveFigureFile(svg: string, file: string): Promise<string> {
  const abs = path.resolve(file);
  const data = abs.toLowerCase().endsWith('.svg') ? svg : svgToPng(svg);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFileAtomic(abs, data);
  return abs;
}
