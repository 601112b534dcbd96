/**
 * A WebAssembly emitter whose methods are the instructions: a kernel is written as
 * `f.local.get(j).i32.const(4).i32.add().local.tee(j)`, `f.f32x4.mul()`,
 * `f.v128.load({ offset: 16 })`, `f.br_if(1)` — each method appends that instruction's bytes
 * (opcodes from the one table, `wasm-opcodes.ts`) and returns the function being written, so
 * instructions chain in the order a stack machine runs them. Two structured helpers cover the
 * loops every kernel has (`forRange`, `ifThen`), and `assemble` writes the module: its memory is
 * imported (`env.memory`), so the kernels run on the tfjs wasm backend's own heap, plain or shared.
 *
 * The module is built at run time, in memory, in a few milliseconds: no build step, and the same
 * code runs bundled in a browser.
 */
import {
  BLOCK_VOID,
  BULK_MEMORY,
  CONST,
  CONTROL,
  F32_MEMORY,
  F32_OPS,
  F32X4_OPS,
  F64_MEMORY,
  F64_OPS,
  F64X2_OPS,
  I16X8_OPS,
  I32_MEMORY,
  I32_OPS,
  I32X4_OPS,
  I8X16_OPS,
  LANE_OPS,
  LOCAL,
  MODULE,
  PREFIX,
  V128_LANE_MEMORY,
  V128_MEMORY,
  V128_OPS,
  VALUE_TYPE,
} from './wasm-opcodes.js';

/** A value type code (`I32`, `F32`, `F64`, `V128`). */
export type ValueType = (typeof VALUE_TYPE)[keyof typeof VALUE_TYPE];
/** Value types of parameters and locals. */
export const I32 = VALUE_TYPE.i32;
export const F32 = VALUE_TYPE.f32;
export const F64 = VALUE_TYPE.f64;
export const V128 = VALUE_TYPE.v128;

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

/**
 * A memory argument: a constant byte `offset` added to the address on the stack (default 0), and
 * the alignment the address is promised to have, in bytes as in the text format (default 1: none
 * promised; the engine is as fast either way, and a wrong promise is only a hint).
 */
export type MemArg = { offset?: number; align?: 1 | 2 | 4 | 8 | 16 };

function memarg(m: MemArg = {}): number[] {
  return [...uleb(Math.log2(m.align ?? 1)), ...uleb(m.offset ?? 0)];
}

/** Methods for the instructions of a table that take no immediate. */
type Plain<T> = { readonly [K in keyof T]: () => Fn };
/** Methods for the loads and stores of a table. */
type Memory<T> = { readonly [K in keyof T]: (m?: MemArg) => Fn };
/** Methods for the lane loads and stores of a table: the lane, then the memory argument. */
type LaneMemory<T> = { readonly [K in keyof T]: (lane: number, m?: MemArg) => Fn };
/** Methods for the lane instructions of a table. */
type Lane<T> = { readonly [K in keyof T]: (lane: number) => Fn };

/** One exported function of the module being written: its parameters, locals and code. */
export class Fn {
  private readonly code: number[] = [];
  private readonly localTypes: ValueType[] = [];

  /** `local.get`, `local.set`, `local.tee` of a parameter or local index. */
  readonly local = {
    get: (i: number): Fn => this.emit(LOCAL.get, ...uleb(i)),
    set: (i: number): Fn => this.emit(LOCAL.set, ...uleb(i)),
    tee: (i: number): Fn => this.emit(LOCAL.tee, ...uleb(i)),
  };
  /** i32 instructions. */
  readonly i32: Plain<typeof I32_OPS> & Memory<typeof I32_MEMORY> & { const(v: number): Fn };
  /** f32 instructions. */
  readonly f32: Plain<typeof F32_OPS> & Memory<typeof F32_MEMORY> & { const(v: number): Fn };
  /** f64 instructions. */
  readonly f64: Plain<typeof F64_OPS> & Memory<typeof F64_MEMORY> & { const(v: number): Fn };
  /** Bulk memory instructions: `memory.copy(dest, src, bytes)`, `memory.fill(dest, value, bytes)`. */
  readonly memory: Plain<typeof BULK_MEMORY>;
  /** v128 loads, stores and bitwise instructions. */
  readonly v128: Plain<typeof V128_OPS> & Memory<typeof V128_MEMORY> & LaneMemory<typeof V128_LANE_MEMORY>;
  /** i8x16 instructions. */
  readonly i8x16: Plain<typeof I8X16_OPS> & Lane<(typeof LANE_OPS)['i8x16']>;
  /** i16x8 instructions. */
  readonly i16x8: Plain<typeof I16X8_OPS> & Lane<(typeof LANE_OPS)['i16x8']>;
  /** i32x4 instructions. */
  readonly i32x4: Plain<typeof I32X4_OPS> & Lane<(typeof LANE_OPS)['i32x4']>;
  /** f32x4 instructions. */
  readonly f32x4: Plain<typeof F32X4_OPS> & Lane<(typeof LANE_OPS)['f32x4']>;
  /** f64x2 instructions. */
  readonly f64x2: Plain<typeof F64X2_OPS> & Lane<(typeof LANE_OPS)['f64x2']>;

  constructor(
    readonly name: string,
    readonly params: ValueType[],
  ) {
    const core = (op: number) => [op];
    const bulk = (op: number) => [PREFIX.bulkMemory, ...uleb(op)];
    const simd = (op: number) => [PREFIX.simd, ...uleb(op)];
    const plain = <T extends Record<string, number>>(table: T, enc: (op: number) => number[], ...imm: number[]) =>
      this.methods(table, (op) => () => this.emit(...enc(op), ...imm)) as Plain<T>;
    const memory = <T extends Record<string, number>>(table: T, enc: (op: number) => number[]) =>
      this.methods(table, (op) => (m?: MemArg) => this.emit(...enc(op), ...memarg(m))) as Memory<T>;
    const lane = <T extends Record<string, number>>(table: T) =>
      this.methods(table, (op) => (l: number) => this.emit(...simd(op), l)) as Lane<T>;
    const bytes = (v: number, Array: Float32ArrayConstructor | Float64ArrayConstructor) => [...new Uint8Array(new Array([v]).buffer)];
    this.i32 = { ...plain(I32_OPS, core), ...memory(I32_MEMORY, core), const: (v: number) => this.emit(CONST.i32, ...sleb(v)) };
    this.f32 = { ...plain(F32_OPS, core), ...memory(F32_MEMORY, core), const: (v: number) => this.emit(CONST.f32, ...bytes(v, Float32Array)) };
    this.f64 = { ...plain(F64_OPS, core), ...memory(F64_MEMORY, core), const: (v: number) => this.emit(CONST.f64, ...bytes(v, Float64Array)) };
    // memory.copy takes two memory indices (destination, source), memory.fill one: memory 0
    this.memory = { copy: plain(BULK_MEMORY, bulk, 0, 0).copy, fill: plain(BULK_MEMORY, bulk, 0).fill };
    this.v128 = {
      ...plain(V128_OPS, simd),
      ...memory(V128_MEMORY, simd),
      ...this.methods(V128_LANE_MEMORY, (op) => (l: number, m?: MemArg) => this.emit(...simd(op), ...memarg(m), l)),
    } as Fn['v128'];
    this.i8x16 = { ...plain(I8X16_OPS, simd), ...lane(LANE_OPS.i8x16) };
    this.i16x8 = { ...plain(I16X8_OPS, simd), ...lane(LANE_OPS.i16x8) };
    this.i32x4 = { ...plain(I32X4_OPS, simd), ...lane(LANE_OPS.i32x4) };
    this.f32x4 = { ...plain(F32X4_OPS, simd), ...lane(LANE_OPS.f32x4) };
    this.f64x2 = { ...plain(F64X2_OPS, simd), ...lane(LANE_OPS.f64x2) };
  }

  private methods<T extends Record<string, number>, M>(table: T, make: (op: number) => M): Record<keyof T, M> {
    return Object.fromEntries(Object.entries(table).map(([name, op]) => [name, make(op)])) as Record<keyof T, M>;
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  /** Declares a local of `type`; returns its index (after the parameters'). */
  newLocal(type: ValueType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /** `block`: a label that `br` from inside jumps to the end of (no result unless `result`). */
  block(result?: ValueType): this {
    return this.emit(CONTROL.block, result ?? BLOCK_VOID);
  }
  /** `loop`: a label that `br` from inside jumps back to the start of. */
  loop(result?: ValueType): this {
    return this.emit(CONTROL.loop, result ?? BLOCK_VOID);
  }
  /** `if`: runs what follows, up to `else` or `end`, when the i32 popped is not 0. */
  if(result?: ValueType): this {
    return this.emit(CONTROL.if, result ?? BLOCK_VOID);
  }
  /** `else` of the innermost `if`. */
  else(): this {
    return this.emit(CONTROL.else);
  }
  /** `end` of the innermost block, loop or if. */
  end(): this {
    return this.emit(CONTROL.end);
  }
  /** `br depth`: jumps to the label `depth` blocks out (0: the innermost). */
  br(depth: number): this {
    return this.emit(CONTROL.br, ...uleb(depth));
  }
  /** `br_if depth`: `br depth` when the i32 popped is not 0. */
  br_if(depth: number): this {
    return this.emit(CONTROL.br_if, ...uleb(depth));
  }
  /** `select`: of the two values under an i32 condition, the first if the condition is not 0, else the second. */
  select(): this {
    return this.emit(CONTROL.select);
  }
  /** `drop`: pops a value. */
  drop(): this {
    return this.emit(CONTROL.drop);
  }
  /** `return`. */
  return(): this {
    return this.emit(CONTROL.return);
  }
  /** `nop`: does nothing. */
  nop(): this {
    return this.emit(CONTROL.nop);
  }
  /** `unreachable`: traps. */
  unreachable(): this {
    return this.emit(CONTROL.unreachable);
  }

  /** Pushes `base + (idx << 2)`: the byte address of float32 element `idx` of the array at byte offset `base` (two locals). */
  addr4(base: number, idx: number): this {
    return this.local.get(base).local.get(idx).i32.const(2).i32.shl().i32.add() as this;
  }

  /**
   * `for (idx = start(); idx < end; idx += step) body()` with unsigned comparison; `end` is a
   * local index, `start` pushes the first value. A `step` of 0 leaves the advance to the body.
   */
  forRange(idx: number, start: () => void, end: number, step: number, body: () => void): this {
    start();
    this.local.set(idx);
    this.block().loop();
    this.local.get(idx).local.get(end).i32.ge_u().br_if(1);
    body();
    this.local.get(idx).i32.const(step).i32.add().local.set(idx);
    return this.br(0).end().end();
  }

  /** `if (cond()) then() [else otherwise()]`: `cond` pushes an i32. */
  ifThen(cond: () => void, then: () => void, otherwise?: () => void): this {
    cond();
    this.if();
    then();
    if (otherwise) {
      this.else();
      otherwise();
    }
    return this.end();
  }

  /** The function's entry in the code section: its size, locals (one entry each) and code. */
  body(): number[] {
    const groups: number[] = [];
    for (const t of this.localTypes) groups.push(1, t);
    const locals = [...uleb(this.localTypes.length), ...groups];
    const all = [...locals, ...this.code, CONTROL.end];
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
      return [MODULE.funcType, ...uleb(ps.length), ...ps, 0]; // no results
    }),
  ];
  // memory import: min 1 page, and no max (plain) or shared with max 65536 pages (4 GiB)
  const limits = shared ? [MODULE.limits.sharedMinMax, 1, ...uleb(65536)] : [MODULE.limits.min, 1];
  const imports = [1, ...str('env'), ...str('memory'), MODULE.externalKind.memory, ...limits];
  const funcs = [...uleb(fns.length), ...typeOf.flatMap((t) => uleb(t))];
  const exports = [...uleb(fns.length), ...fns.flatMap((fn, i) => [...str(fn.name), MODULE.externalKind.func, ...uleb(i)])];
  const code = [...uleb(fns.length), ...fns.flatMap((fn) => fn.body())];
  return new Uint8Array([
    ...MODULE.header,
    ...section(MODULE.section.type, types),
    ...section(MODULE.section.import, imports),
    ...section(MODULE.section.function, funcs),
    ...section(MODULE.section.export, exports),
    ...section(MODULE.section.code, code),
  ]);
}
