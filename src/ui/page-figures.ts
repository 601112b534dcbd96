/**
 * Figures in a web page: each one is added as a `<figure>` holding its SVG markup, into the element
 * with id `tfai-figures` when the page has one, else into an element of its own at the end of the
 * page's body. In any page (a `document`) it is where tfai's figures go when no other display was
 * set — the recorder's plots, the LR finder, `showBatch`, the interpretation pictures, `showFigure` —
 * instead of files (a page cannot render PNG files; see docs/browser.md).
 */
import type { Figure, FigureDisplay } from './figure-types.js';
import { inPage } from './page-renderer.js';

/** The id of the element a page's figures go into by default. */
export const PAGE_FIGURES_ID = 'tfai-figures';

/** `new PageFigureDisplay(element)`: figures added into `element` (by default, see the file's comment). */
export class PageFigureDisplay implements FigureDisplay {
  private readonly root: Element;

  /**
   * @param target the element to add figures to; default: the page's `#tfai-figures`, else a new
   *   element appended to the body.
   * @throws Error outside a page (no `document`).
   */
  constructor(target?: Element) {
    const doc = (globalThis as { document?: Document }).document;
    if (!target && !(doc && inPage())) throw new Error('PageFigureDisplay: there is no page here (no document); pass an element, or show figures another way');
    this.root = target ?? doc!.getElementById(PAGE_FIGURES_ID) ?? doc!.body.appendChild(doc!.createElement('div'));
  }

  /** Add `figure` (its SVG, labelled with its name) at the end of the element. */
  show(figure: Figure): void {
    const doc = this.root.ownerDocument;
    const el = doc.createElement('figure');
    el.className = 'tfai-figure';
    el.dataset.name = figure.name;
    el.innerHTML = figure.svg.slice(figure.svg.indexOf('<svg'));
    this.root.appendChild(el);
  }
}

/** A `PageFigureDisplay` on the page's default element when the code runs in a page, else null. */
export function pageFigureDisplay(): FigureDisplay | null {
  return inPage() ? new PageFigureDisplay() : null;
}
