/** Bytes as a `data:` URI, for images embedded in SVG figures (in Node and in a page). */

/** Base64 of `bytes` (RFC 4648, with padding). */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** `data:image/png;base64,…` for the bytes of a PNG file. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${base64(png)}`;
}
