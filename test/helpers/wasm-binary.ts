/** Reading a WebAssembly module's binary in tests: LEB128 numbers and sections. */

/** Unsigned LEB128 at `at`: [value, next offset]. */
export function readUleb(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++]!;
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [v, at];
  }
}

/** The contents of each section of a module, by section id. */
export function sections(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [len, start] = readUleb(bytes, at + 1);
    out.set(id, bytes.subarray(start, start + len));
    at = start + len;
  }
  return out;
}

/** The code section's entries (each: size, locals, code, end), in function order. */
export function functionBodies(bytes: Uint8Array): Uint8Array[] {
  const code = sections(bytes).get(10);
  if (!code) throw new Error('no code section');
  const out: Uint8Array[] = [];
  let [count, p] = readUleb(code, 0);
  for (; count > 0; count--) {
    const [len, s] = readUleb(code, p);
    out.push(code.subarray(p, s + len));
    p = s + len;
  }
  return out;
}
