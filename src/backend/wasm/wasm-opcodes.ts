/**
 * The WebAssembly binary encoding tfai's kernel emitter writes, in one table: the opcode of every
 * instruction it offers, under the instruction's name in the text format (`i32.add`,
 * `f32x4.mul`, `v128.load`…), and the few numbers of the module format around them. Only
 * `wasm-emitter.ts` reads this file; kernels call the emitter's instruction methods by name.
 *
 * Instructions are grouped by their text-format prefix and by the immediates they take: `*_OPS`
 * take none, `*_MEMORY` take a memory argument (alignment and offset). Opcodes of the groups
 * behind a prefix byte (`PREFIX`: bulk memory, SIMD) are the numbers that follow it, written as
 * LEB128. test/backend/wasm-opcodes.test.ts checks every entry against the `wabt` assembler.
 */

/** Value types (for parameters, locals and block results). */
export const VALUE_TYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

/** The block type of a block, loop or if that leaves no value. */
export const BLOCK_VOID = 0x40;

/** Prefix bytes of the instruction groups whose opcodes follow as a LEB128 number. */
export const PREFIX = { bulkMemory: 0xfc, simd: 0xfd } as const;

/** Control instructions. `block`, `loop` and `if` take a block type; `br`, `br_if` a label depth. */
export const CONTROL = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
} as const;

/** Local variable instructions (their immediate: the local's index). */
export const LOCAL = { get: 0x20, set: 0x21, tee: 0x22 } as const;

/** Constants: `i32.const` (signed LEB128), `f32.const` (4 bytes), `f64.const` (8 bytes). */
export const CONST = { i32: 0x41, f32: 0x43, f64: 0x44 } as const;

/** i32 loads and stores. */
export const I32_MEMORY = {
  load: 0x28,
  load8_s: 0x2c,
  load8_u: 0x2d,
  load16_s: 0x2e,
  load16_u: 0x2f,
  store: 0x36,
  store8: 0x3a,
  store16: 0x3b,
} as const;

/** i32 numeric instructions. */
export const I32_OPS = {
  eqz: 0x45,
  eq: 0x46,
  ne: 0x47,
  lt_s: 0x48,
  lt_u: 0x49,
  gt_s: 0x4a,
  gt_u: 0x4b,
  le_s: 0x4c,
  le_u: 0x4d,
  ge_s: 0x4e,
  ge_u: 0x4f,
  clz: 0x67,
  ctz: 0x68,
  popcnt: 0x69,
  add: 0x6a,
  sub: 0x6b,
  mul: 0x6c,
  div_s: 0x6d,
  div_u: 0x6e,
  rem_s: 0x6f,
  rem_u: 0x70,
  and: 0x71,
  or: 0x72,
  xor: 0x73,
  shl: 0x74,
  shr_s: 0x75,
  shr_u: 0x76,
  rotl: 0x77,
  rotr: 0x78,
  trunc_f32_s: 0xa8,
  trunc_f32_u: 0xa9,
  trunc_f64_s: 0xaa,
  trunc_f64_u: 0xab,
  reinterpret_f32: 0xbc,
} as const;

/** f32 loads and stores. */
export const F32_MEMORY = { load: 0x2a, store: 0x38 } as const;

/** f32 numeric instructions. */
export const F32_OPS = {
  eq: 0x5b,
  ne: 0x5c,
  lt: 0x5d,
  gt: 0x5e,
  le: 0x5f,
  ge: 0x60,
  abs: 0x8b,
  neg: 0x8c,
  ceil: 0x8d,
  floor: 0x8e,
  trunc: 0x8f,
  nearest: 0x90,
  sqrt: 0x91,
  add: 0x92,
  sub: 0x93,
  mul: 0x94,
  div: 0x95,
  min: 0x96,
  max: 0x97,
  copysign: 0x98,
  convert_i32_s: 0xb2,
  convert_i32_u: 0xb3,
  demote_f64: 0xb6,
  reinterpret_i32: 0xbe,
} as const;

/** f64 loads and stores. */
export const F64_MEMORY = { load: 0x2b, store: 0x39 } as const;

/** f64 numeric instructions. */
export const F64_OPS = {
  eq: 0x61,
  ne: 0x62,
  lt: 0x63,
  gt: 0x64,
  le: 0x65,
  ge: 0x66,
  abs: 0x99,
  neg: 0x9a,
  ceil: 0x9b,
  floor: 0x9c,
  trunc: 0x9d,
  nearest: 0x9e,
  sqrt: 0x9f,
  add: 0xa0,
  sub: 0xa1,
  mul: 0xa2,
  div: 0xa3,
  min: 0xa4,
  max: 0xa5,
  copysign: 0xa6,
  convert_i32_s: 0xb7,
  convert_i32_u: 0xb8,
  promote_f32: 0xbb,
} as const;

/** Bulk memory instructions (after `PREFIX.bulkMemory`; their memory index immediates are 0). */
export const BULK_MEMORY = { copy: 0x0a, fill: 0x0b } as const;

/** v128 loads and stores (after `PREFIX.simd`). */
export const V128_MEMORY = {
  load: 0x00,
  load8x8_s: 0x01,
  load8x8_u: 0x02,
  load16x4_s: 0x03,
  load16x4_u: 0x04,
  load32x2_s: 0x05,
  load32x2_u: 0x06,
  load8_splat: 0x07,
  load16_splat: 0x08,
  load32_splat: 0x09,
  load64_splat: 0x0a,
  store: 0x0b,
  load32_zero: 0x5c,
  load64_zero: 0x5d,
} as const;

/** v128 loads and stores of one lane (after `PREFIX.simd`): a memory argument, then the lane. */
export const V128_LANE_MEMORY = {
  load8_lane: 0x54,
  load16_lane: 0x55,
  load32_lane: 0x56,
  load64_lane: 0x57,
  store8_lane: 0x58,
  store16_lane: 0x59,
  store32_lane: 0x5a,
  store64_lane: 0x5b,
} as const;

/** Bitwise v128 instructions (after `PREFIX.simd`). */
export const V128_OPS = { not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, any_true: 0x53 } as const;

/** i8x16 instructions (after `PREFIX.simd`); `extract_lane_*` and `replace_lane` take a lane. */
export const I8X16_OPS = {
  splat: 0x0f,
  eq: 0x23,
  ne: 0x24,
  abs: 0x60,
  neg: 0x61,
  all_true: 0x63,
  bitmask: 0x64,
  narrow_i16x8_s: 0x65,
  narrow_i16x8_u: 0x66,
  add: 0x6e,
  sub: 0x71,
} as const;

/** i16x8 instructions (after `PREFIX.simd`). */
export const I16X8_OPS = {
  splat: 0x10,
  eq: 0x2d,
  ne: 0x2e,
  abs: 0x80,
  neg: 0x81,
  all_true: 0x83,
  bitmask: 0x84,
  narrow_i32x4_s: 0x85,
  narrow_i32x4_u: 0x86,
  extend_low_i8x16_s: 0x87,
  extend_high_i8x16_s: 0x88,
  extend_low_i8x16_u: 0x89,
  extend_high_i8x16_u: 0x8a,
  add: 0x8e,
  sub: 0x91,
  mul: 0x95,
} as const;

/** i32x4 instructions (after `PREFIX.simd`). */
export const I32X4_OPS = {
  splat: 0x11,
  eq: 0x37,
  ne: 0x38,
  lt_s: 0x39,
  lt_u: 0x3a,
  gt_s: 0x3b,
  gt_u: 0x3c,
  le_s: 0x3d,
  le_u: 0x3e,
  ge_s: 0x3f,
  ge_u: 0x40,
  abs: 0xa0,
  neg: 0xa1,
  all_true: 0xa3,
  bitmask: 0xa4,
  extend_low_i16x8_s: 0xa7,
  extend_high_i16x8_s: 0xa8,
  extend_low_i16x8_u: 0xa9,
  extend_high_i16x8_u: 0xaa,
  shl: 0xab,
  shr_s: 0xac,
  shr_u: 0xad,
  add: 0xae,
  sub: 0xb1,
  mul: 0xb5,
  min_s: 0xb6,
  min_u: 0xb7,
  max_s: 0xb8,
  max_u: 0xb9,
  trunc_sat_f32x4_s: 0xf8,
  trunc_sat_f32x4_u: 0xf9,
} as const;

/** f32x4 instructions (after `PREFIX.simd`). */
export const F32X4_OPS = {
  splat: 0x13,
  eq: 0x41,
  ne: 0x42,
  lt: 0x43,
  gt: 0x44,
  le: 0x45,
  ge: 0x46,
  ceil: 0x67,
  floor: 0x68,
  trunc: 0x69,
  nearest: 0x6a,
  abs: 0xe0,
  neg: 0xe1,
  sqrt: 0xe3,
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
  min: 0xe8,
  max: 0xe9,
  pmin: 0xea,
  pmax: 0xeb,
  convert_i32x4_s: 0xfa,
  convert_i32x4_u: 0xfb,
} as const;

/** f64x2 instructions (after `PREFIX.simd`). */
export const F64X2_OPS = {
  splat: 0x14,
  eq: 0x47,
  ne: 0x48,
  lt: 0x49,
  gt: 0x4a,
  le: 0x4b,
  ge: 0x4c,
  abs: 0xec,
  neg: 0xed,
  sqrt: 0xef,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
  div: 0xf3,
  min: 0xf4,
  max: 0xf5,
  promote_low_f32x4: 0x5f,
} as const;

/** Lane instructions (after `PREFIX.simd`; their immediate: the lane index). */
export const LANE_OPS = {
  i8x16: { extract_lane_s: 0x15, extract_lane_u: 0x16, replace_lane: 0x17 },
  i16x8: { extract_lane_s: 0x18, extract_lane_u: 0x19, replace_lane: 0x1a },
  i32x4: { extract_lane: 0x1b, replace_lane: 0x1c },
  f32x4: { extract_lane: 0x1f, replace_lane: 0x20 },
  f64x2: { extract_lane: 0x21, replace_lane: 0x22 },
} as const;

/** The module format: its header, section ids and the codes inside the sections tfai writes. */
export const MODULE = {
  /** `\0asm`, then version 1. */
  header: [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  section: { type: 1, import: 2, function: 3, export: 7, code: 10 },
  /** Starts a function type in the type section. */
  funcType: 0x60,
  /** Import and export kinds. */
  externalKind: { func: 0x00, memory: 0x02 },
  /** Memory limits flags: a minimum only; a minimum and maximum on a shared memory. */
  limits: { min: 0x00, sharedMinMax: 0x03 },
} as const;
