/** 16-bit floats (IEEE half and bfloat16) decoded to numbers, for weight files that store them. */

/** The value of IEEE 754 half-precision bits `h`. */
export function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const scratch = new DataView(new ArrayBuffer(4));

/** The value of bfloat16 bits `h` (the top half of a float32). */
export function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}
