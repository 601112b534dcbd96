/**
 * Where `loadMnist` finds its files in a page: the embedded digits next to tfai's code (a bundler
 * that handles `new URL(…, import.meta.url)`, as Vite does, copies them into its output; with
 * esbuild, copy `node_modules/tfai/dist/browser/*.gz` next to the bundle), and any other source as
 * the URL of a folder holding the IDX files, relative to the page.
 */
import type * as NodeMnistFiles from './mnist-files.js';
import { fetchBytes, mnistUrls } from './fetch-bytes.js';
import { decodeIdxFile } from './idx.js';

export const EMBEDDED_MNIST_FILES: typeof NodeMnistFiles.EMBEDDED_MNIST_FILES = {
  images: 'mnist-10k-images-idx3-ubyte.gz',
  labels: 'mnist-10k-labels-idx1-ubyte.gz',
};

/** The embedded files' URLs: literal, so that bundlers can find and copy them. */
function embeddedUrl(kind: keyof typeof EMBEDDED_MNIST_FILES): URL {
  return kind === 'images' ? new URL('./mnist-10k-images-idx3-ubyte.gz', import.meta.url) : new URL('./mnist-10k-labels-idx1-ubyte.gz', import.meta.url);
}

/** `where` as an absolute URL (relative to the page). */
function absolute(where: string): string {
  const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI ?? (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(where, base).href;
}

export const readEmbeddedFile: typeof NodeMnistFiles.readEmbeddedFile = async (kind) => {
  const url = embeddedUrl(kind);
  try {
    return { bytes: await fetchBytes(url, 'loadMnist'), name: url.href };
  } catch (e) {
    throw new Error(
      `${(e as Error).message} — the embedded digits are fetched from next to tfai's code; copy node_modules/tfai/dist/browser/${EMBEDDED_MNIST_FILES[kind]} ` +
        "there, or pass loadMnist({ source: '<URL of a folder with the IDX files>' })",
      { cause: e },
    );
  }
};

export const readIdxAt: typeof NodeMnistFiles.readIdxAt = async (where) => {
  const url = absolute(where);
  return decodeIdxFile(await fetchBytes(url, 'loadMnist'), url);
};

export const findMnistFiles: typeof NodeMnistFiles.findMnistFiles = async (source) => mnistUrls(absolute(source));
