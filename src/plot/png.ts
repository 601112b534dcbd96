/**
 * SVG → PNG with resvg (a native renderer shipped as an npm package: no browser, no canvas). Text is
 * drawn with DejaVu Sans from the `dejavu-fonts-ttf` package, so PNGs have legible text on any
 * machine set up by `npm ci`, whether or not it has system fonts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

/** Options of `svgToPng`. */
export type SvgToPngOptions = {
  /** Output width in pixels; the height follows the SVG's aspect ratio. Default: the SVG's own width. */
  width?: number;
};

/** The family name of the bundled font that every SVG font family falls back to. */
const FONT_FAMILY = 'DejaVu Sans';

let bundledFonts: string[] | undefined;

/** Absolute paths of the bundled DejaVu Sans regular and bold TTF files (empty if the package is missing). */
export function bundledFontFiles(): string[] {
  if (bundledFonts) return bundledFonts;
  try {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    bundledFonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  } catch {
    bundledFonts = [];
  }
  return bundledFonts;
}

/** resvg font options: the bundled fonts when present (fast, identical everywhere), else the system's fonts. */
function fontOptions(): NonNullable<ResvgRenderOptions['font']> {
  const files = bundledFontFiles();
  return {
    loadSystemFonts: files.length === 0,
    fontFiles: files,
    defaultFontFamily: FONT_FAMILY,
    sansSerifFamily: FONT_FAMILY,
    defaultFontSize: 12,
  };
}

/**
 * Rasterise SVG text to PNG bytes on a white background. Throws if the SVG cannot be parsed.
 * `width` (optional) scales the picture to that many pixels wide, keeping its aspect ratio.
 */
export function svgToPng(svg: string, opts: SvgToPngOptions = {}): Uint8Array {
  const options: ResvgRenderOptions = {
    background: 'white',
    font: fontOptions(),
    logLevel: 'off',
  };
  if (opts.width !== undefined) {
    if (!Number.isFinite(opts.width) || opts.width < 1) {
      throw new RangeError(`svgToPng: width must be a positive number, got ${opts.width}`);
    }
    options.fitTo = { mode: 'width', value: Math.round(opts.width) };
  }
  const png = new Resvg(svg, options).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
