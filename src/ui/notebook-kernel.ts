/**
 * The notebook kernel tfai runs in, if any. tslab (the TypeScript/JavaScript Jupyter kernel) sets
 * `globalThis.__tslab__` before running the first cell; its `require('tslab')` returns the running
 * kernel's own module (also when tfai was loaded from another `node_modules`), whose `display`
 * sends Jupyter `display_data` messages and `newDisplay()` one output updated in place
 * (`update_display_data`). tfai needs no dependency on tslab for this: outside a kernel nothing is
 * loaded.
 */

/** One output area of the notebook: each call shows content (a `newDisplay()` replaces what it showed before). */
export interface NotebookDisplay {
  /** Show HTML. */
  html(html: string): void;
  /** Show SVG markup. */
  svg(svg: string): void;
  /** Show a PNG image. */
  png(png: Uint8Array): void;
  /** Show plain text. */
  text(text: string): void;
}

/** The display functions of the kernel. */
export interface NotebookKernel {
  /** The kernel's name, e.g. `tslab 1.0.22`. */
  readonly name: string;
  /** Shows each call as a new output of the running cell. */
  readonly display: NotebookDisplay;
  /** A new output that every later call replaces (for progress bars and tables updated in place). */
  newDisplay(): NotebookDisplay;
}

/** What tslab's `require('tslab')` gives (the part tfai uses). */
type TslabModule = { display?: NotebookDisplay; newDisplay?: () => NotebookDisplay; versions?: { tslab?: string } };

/**
 * The notebook kernel tfai runs in: tslab's display functions, or null outside a kernel (or when
 * the kernel offers no display, e.g. an old tslab).
 */
export function notebookKernel(): NotebookKernel | null {
  const hook = (globalThis as { __tslab__?: { require?: unknown } }).__tslab__;
  if (!hook || typeof hook.require !== 'function') return null;
  let mod: TslabModule;
  try {
    mod = (hook.require as (id: string) => TslabModule)('tslab');
  } catch {
    return null;
  }
  const { display, newDisplay } = mod ?? {};
  if (!display || typeof newDisplay !== 'function' || typeof display.html !== 'function' || typeof display.png !== 'function') return null;
  return { name: `tslab ${mod.versions?.tslab ?? ''}`.trim(), display, newDisplay: () => newDisplay() };
}
