/**
 * The native `ImageDecoder` for most images (Node only): `@napi-rs/image` — Rust's `image` crate
 * (zune-jpeg, png, image-webp) with `fast_image_resize`'s SIMD convolution — about 1 ms per
 * 150–500 px JPEG to 128 px, where sharp took 2 ms (0.6 ms of it per call) and Pillow with
 * torchvision 1.4 ms. It has no DCT-domain downscaling, so large JPEGs go to sharp
 * (`node-image-decoder.ts`). Loaded lazily: on a platform without a prebuilt binary
 * `loadNapiDecoder` returns why.
 */
import { createRequire } from 'node:module';
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import type { ImageHeader } from './image-header.js';

/** The `@napi-rs/image` module. */
export type NapiImage = typeof import('@napi-rs/image');

let loaded: NapiImage | Error | undefined;

/** The `@napi-rs/image` module, or the error that kept it from loading (tried once). */
export function napiImage(): NapiImage | Error {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@napi-rs/image') as NapiImage;
    } catch (e) {
      loaded = e instanceof Error ? e : new Error(String(e));
    }
  }
  return loaded;
}

/** The native decoder, or the error that kept `@napi-rs/image` from loading. */
export function loadNapiDecoder(): ImageDecoder | Error {
  const m = napiImage();
  if (m instanceof Error) return m;
  const { Transformer } = m;
  return {
    name: '@napi-rs/image',
    decodeRegion(bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Uint8Array {
      // The Transformer resizes before it crops, whatever the call order: so resize the whole image
      // to the scale that brings the rectangle to outW × outH, then cut the rectangle out (as
      // torchvision's Resize then RandomCrop do). filter 1 = Bilinear, fit 1 = Fill (exact size).
      const fw = Math.max(outW, Math.round((header.width * outW) / r.w));
      const fh = Math.max(outH, Math.round((header.height * outH) / r.h));
      let t = new Transformer(bytes).fastResize({ width: fw, height: fh, filter: 1, fit: 1 });
      if (fw !== outW || fh !== outH) t = t.crop(Math.min(fw - outW, Math.round((r.x * outW) / r.w)), Math.min(fh - outH, Math.round((r.y * outH) / r.h)), outW, outH);
      const px = t.rawPixelsSync();
      return new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
    },
  };
}
