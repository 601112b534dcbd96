/**
 * The page's `png.ts`: resvg is a native Node add-on, so a page renders no PNG itself; its figures
 * are SVG, which the page shows as they are (see `ui/`), and a PNG of one is the browser's to make
 * (draw it on a canvas).
 */
import type * as NodePng from './png.js';

export type { SvgToPngOptions } from './png.js';

export const bundledFontFiles: typeof NodePng.bundledFontFiles = () => [];

export const svgToPng: typeof NodePng.svgToPng = () => {
  throw new Error('svgToPng: rendering SVG to PNG needs resvg, a Node add-on; in a page show the SVG itself (docs/browser.md), or draw it on a canvas');
};
