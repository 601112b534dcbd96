/**
 * The renderers a `ProgressCallback` given none chooses from: one registered by the program
 * (`registerProgressRenderer`, newest first), then the built-in ones below, each where it applies
 * (a notebook kernel, a page); where none applies the callback uses the terminal renderer on
 * `process.stdout`.
 */
import type { ProgressRenderer } from './progress-renderer.js';
import { NotebookRenderer } from './notebook-renderer.js';
import { notebookKernel } from './notebook-kernel.js';
import { inPage, PageRenderer } from './page-renderer.js';

/** A kind of renderer `pickProgressRenderer` can choose. */
export type ProgressRendererFactory = {
  /** A short name for messages, e.g. `notebook`. */
  readonly name: string;
  /** Whether this renderer fits where the code runs now (e.g. inside a notebook kernel). */
  applies(): boolean;
  /** A new renderer (one per `ProgressCallback`). */
  create(): ProgressRenderer;
};

/** tfai's notebook renderer (one HTML output updated in place), where a notebook kernel runs the code. */
const NOTEBOOK: ProgressRendererFactory = {
  name: 'notebook',
  applies: () => notebookKernel() !== null,
  create: () => {
    const kernel = notebookKernel();
    if (!kernel) throw new Error('the notebook progress renderer: no notebook kernel runs this code');
    return new NotebookRenderer(kernel);
  },
};

/** tfai's page renderer, wherever there is a document (a browser tab). */
const PAGE: ProgressRendererFactory = { name: 'page', applies: inPage, create: () => new PageRenderer() };

/** The built-in renderers for places other than a terminal, most specific first. */
const BUILT_IN: readonly ProgressRendererFactory[] = [NOTEBOOK, PAGE];

const registered: ProgressRendererFactory[] = [];

/** Adds a kind of renderer, tried before the built-in ones (the newest first); returns a function that removes it. */
export function registerProgressRenderer(factory: ProgressRendererFactory): () => void {
  registered.push(factory);
  return () => {
    const i = registered.indexOf(factory);
    if (i >= 0) registered.splice(i, 1);
  };
}

/** A new renderer of the first kind that applies where the code runs, or undefined (then: the terminal). */
export function pickProgressRenderer(): ProgressRenderer | undefined {
  const kinds = [...registered].reverse().concat(BUILT_IN);
  return kinds.find((k) => k.applies())?.create();
}
