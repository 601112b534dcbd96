/**
 * Node's choice of `ImageDecoder`: the native one (`@napi-rs/image`) when its prebuilt binary loads,
 * else the pure-JS one — said once on stderr, with why, since it is about five times slower and
 * reads no WebP. `TFAI_IMAGE_DECODER=js` asks for the pure-JS one.
 */
import type { ImageDecoder } from './image-decoder.js';
import { jsImageDecoder } from './js-image-decoder.js';
import { loadNapiDecoder } from './napi-image-decoder.js';

let chosen: ImageDecoder | undefined;

/** The decoder this process uses (chosen once). */
export function nodeImageDecoder(): ImageDecoder {
  if (chosen) return chosen;
  if (process.env.TFAI_IMAGE_DECODER === 'js') return (chosen = jsImageDecoder);
  const native = loadNapiDecoder();
  if (native instanceof Error) {
    process.stderr.write(`tfai: the native image decoder (@napi-rs/image) could not be loaded (${native.message.split('\n')[0]}); decoding with pure JavaScript, about 5× slower and without WebP\n`);
    return (chosen = jsImageDecoder);
  }
  return (chosen = native);
}
