/**
 * Node's `ImageDecoder`, chosen per image: sharp (shrink-on-load in the DCT domain) for a JPEG or
 * WebP at least `SHRINK_ON_LOAD_FROM` times larger than its output, `@napi-rs/image` for the rest
 * (to 128 px, CPU per image: 2.9× reduction napi 2.1 ms, sharp 2.4; 4.1× napi 3.8, sharp 2.2).
 * When a native module cannot be loaded the other does its part, and without either the pure-JS
 * decoder does everything — said once on stderr, with why, since it is about five times slower and
 * reads no WebP. `TFAI_IMAGE_DECODER=js` asks for it.
 */
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import type { ImageHeader } from './image-header.js';
import { jsImageDecoder } from './js-image-decoder.js';
import { loadNapiDecoder } from './napi-image-decoder.js';
import { loadSharpDecoder } from './sharp-image-decoder.js';

/** The reduction (source pixels per output pixel, on the shorter way) from which sharp decodes a JPEG or WebP. */
export const SHRINK_ON_LOAD_FROM = 3.5;

let chosen: ImageDecoder | undefined;

const firstLine = (e: Error): string => e.message.split('\n')[0];

/** The decoder this process uses (chosen once). */
export function nodeImageDecoder(): ImageDecoder {
  if (chosen) return chosen;
  if (process.env.TFAI_IMAGE_DECODER === 'js') return (chosen = jsImageDecoder);
  const napi = loadNapiDecoder();
  const sharp = loadSharpDecoder();
  if (napi instanceof Error && sharp instanceof Error) {
    process.stderr.write(`tfai: no native image decoder could be loaded (@napi-rs/image: ${firstLine(napi)}; sharp: ${firstLine(sharp)}); decoding with pure JavaScript, about 5× slower and without WebP\n`);
    return (chosen = jsImageDecoder);
  }
  const small = napi instanceof Error ? undefined : napi;
  const large = sharp instanceof Error ? undefined : sharp;
  const sync = small ?? jsImageDecoder;
  return (chosen = {
    name: small && large ? '@napi-rs/image, sharp for large JPEG/WebP' : (small ?? large)!.name,
    decodeRegion(bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Uint8Array | Promise<Uint8Array> {
      const reduction = Math.min(r.w / outW, r.h / outH);
      const useSharp = large && (!small || ((header.format === 'jpeg' || header.format === 'webp') && reduction >= SHRINK_ON_LOAD_FROM));
      return (useSharp ? large : small!).decodeRegion(bytes, header, r, outW, outH);
    },
    decodeRegionSync: (bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Uint8Array => sync.decodeRegion(bytes, header, r, outW, outH) as Uint8Array,
  });
}
