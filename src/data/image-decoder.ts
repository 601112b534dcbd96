/**
 * The one thing the image pipeline asks of a platform's decoder: the pixels of a rectangle of an
 * image file, resampled to a size, as RGBA bytes. Node answers with native decoders
 * (`node-image-decoder.ts`: `@napi-rs/image`, sharp for large JPEGs) or the pure-JS fallback
 * (`js-image-decoder.ts`); a browser build answers with `createImageBitmap` and an `OffscreenCanvas`.
 */
import type { ImageHeader } from './image-header.js';

/** A rectangle of whole pixels in an image as stored (before EXIF orientation). */
export interface PixelRect {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Width, >= 1. */
  w: number;
  /** Height, >= 1. */
  h: number;
}

/** Decodes a region of an image file to RGBA bytes at a given size. */
export interface ImageDecoder {
  /** A short name for messages and benchmarks (`'@napi-rs/image'`, `'pure JS'`). */
  readonly name: string;
  /**
   * The pixels of `rect` (inside the stored image) of the file `bytes`, resampled with an
   * antialiased bilinear filter to `outW × outH`: `outW * outH * 4` bytes, RGBA (grey images
   * repeated to RGB, alpha 255 where the file has none), in stored orientation. A decoder that can
   * only work asynchronously returns a promise.
   * @throws Error with the decoder's message when the file is corrupt (the caller names the file).
   */
  decodeRegion(bytes: Uint8Array, header: ImageHeader, rect: PixelRect, outW: number, outH: number): Uint8Array | Promise<Uint8Array>;
  /** The same, synchronously, for a decoder whose `decodeRegion` may answer with a promise but can also work synchronously. */
  decodeRegionSync?(bytes: Uint8Array, header: ImageHeader, rect: PixelRect, outW: number, outH: number): Uint8Array;
}
