/**
 * A minimal WebAssembly binary emitter: value types, LEB128, a function-body builder with
 * structured loops, and a module assembler whose memory is imported (so the generated kernels run
 * on the tfjs wasm backend's own heap, plain or shared).
 */

/** Value type codes. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128 encoding. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 encoding. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Minimal function-body emitter: one exported function of the module. */
export class Fn {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(
    readonly name: string,
    readonly params: number[],
  ) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.op(0x44, ...b);
  }
  simd(op: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(op), ...imm);
  }
  /** addr = base + (idx << 2) */
  addr4(base: number, idx: number): this {
    return this.get(base).get(idx).i32(2).op(0x74, 0x6a);
  }
  vload(): this {
    return this.simd(0x00, 0, 0);
  }
  vstore(): this {
    return this.simd(0x0b, 0, 0);
  }
  fload(): this {
    return this.op(0x2a, 0, 0);
  }
  fstore(): this {
    return this.op(0x38, 0, 0);
  }
  /** for (idx = <start>; idx < end; idx += step) body — `end` is a local index. */
  loop(idx: number, start: () => void, end: number, step: number, body: () => void): this {
    start();
    this.set(idx);
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(idx).get(end).op(0x4f, 0x0d, 1); // i32.ge_u; br_if 1
    body();
    this.get(idx).i32(step).op(0x6a).set(idx);
    this.op(0x0c, 0, 0x0b, 0x0b); // br 0; end loop; end block
    return this;
  }
  ifThen(cond: () => void, then: () => void, otherwise?: () => void): this {
    cond();
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  body(): number[] {
    const groups: number[] = [];
    for (const t of this.localTypes) groups.push(1, t);
    const locals = [...uleb(this.localTypes.length), ...groups];
    const all = [...locals, ...this.code, 0x0b];
    return [...uleb(all.length), ...all];
  }
}

/**
 * Assembles a module exporting `fns` (by name) that imports its memory as `env.memory`: a plain
 * memory, or with `shared` a shared one (max 4 GiB, as the threaded tfjs build declares).
 */
export function assemble(fns: Fn[], shared = false): Uint8Array<ArrayBuffer> {
  // one type per distinct signature
  const sigs: string[] = [];
  const typeOf = fns.map((fn) => {
    const key = fn.params.join(',');
    let idx = sigs.indexOf(key);
    if (idx < 0) {
      sigs.push(key);
      idx = sigs.length - 1;
    }
    return idx;
  });
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const types = [
    ...uleb(sigs.length),
    ...sigs.flatMap((s) => {
      const ps = s === '' ? [] : s.split(',').map(Number);
      return [0x60, ...uleb(ps.length), ...ps, 0];
    }),
  ];
  // memory import: min 1 page, and no max (plain) or shared with max 65536 pages (4 GiB)
  const limits = shared ? [0x03, 0x01, ...uleb(65536)] : [0x00, 0x01];
  const imports = [1, ...str('env'), ...str('memory'), 0x02, ...limits];
  const funcs = [...uleb(fns.length), ...typeOf.flatMap((t) => uleb(t))];
  const exports = [...uleb(fns.length), ...fns.flatMap((fn, i) => [...str(fn.name), 0x00, ...uleb(i)])];
  const code = [...uleb(fns.length), ...fns.flatMap((fn) => fn.body())];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

