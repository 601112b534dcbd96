/**
 * A PNG encoder without compression (stored deflate blocks): valid PNG files from any platform's
 * JavaScript, for the pictures a page embeds in its figures, where Node's pngjs (zlib) is missing.
 * The files are about as large as the pixels (8-bit RGBA plus 1 byte per row).
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of `raw` in stored (uncompressed) blocks of at most 65535 bytes. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + raw.length + 4);
  const v = new DataView(out.buffer);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const from = b * 65535;
    const len = Math.min(65535, raw.length - from);
    out[at] = b === blocks - 1 ? 1 : 0;
    v.setUint16(at + 1, len, true);
    v.setUint16(at + 3, ~len & 0xffff, true);
    out.set(raw.subarray(from, from + len), at + 5);
    at += 5 + len;
  }
  v.setUint32(at, adler32(raw));
  return out;
}

/** One PNG chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * The PNG file of `width × height` pixels given as RGB (3 bytes per pixel) or RGBA (4) bytes,
 * written as 8-bit RGBA.
 * @throws RangeError if `data` does not hold 3 or 4 bytes per pixel.
 */
export function encodePngStored(data: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const ch = data.length / n;
  if (ch !== 3 && ch !== 4) throw new RangeError(`encodePng: ${width}×${height} image needs ${n * 3} (RGB) or ${n * 4} (RGBA) bytes, got ${data.length}`);
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4); // filter byte 0 (none), then the row's RGBA
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * ch;
      const d = row + 1 + x * 4;
      raw[d] = data[s];
      raw[d + 1] = data[s + 1];
      raw[d + 2] = data[s + 2];
      raw[d + 3] = ch === 4 ? data[s + 3] : 255;
    }
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlibStored(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
