/**
 * The emitter's instruction table against a maintained assembler: every instruction method of
 * `Fn` (every entry of wasm-opcodes.ts) must write the bytes that `wabt` writes for the same
 * instruction in the text format, immediates included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { functionBodies } from '../helpers/wasm-binary.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { F32, Fn, I32, type MemArg } from '../../src/backend/wasm/wasm-emitter.js';
import * as OP from '../../src/backend/wasm/wasm-opcodes.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Wabt;
beforeAll(async () => {
  wabt = await wabtInit();
});

/** The code-section entry (size, locals, code, end) of the one function of `(func <text>)`, as wabt writes it. */
function wabtBody(text: string): number[] {
  const mod = wabt.parseWat('t.wat', `(module (memory 1) (func ${text}))`, { simd: true, bulk_memory: true });
  try {
    return [...functionBodies(mod.toBinary({}).buffer)[0]!];
  } finally {
    mod.destroy();
  }
}

/** The same entry as tfai's emitter writes it for `emit`. */
function emitterBody(emit: (f: Fn) => unknown): number[] {
  const f = new Fn('t', []);
  emit(f);
  return f.body();
}

/** Every instruction as [text, emitter call]. */
function cases(): Array<[string, (f: Fn) => unknown]> {
  const out: Array<[string, (f: Fn) => unknown]> = [];
  const plain = (group: string, table: object) => {
    for (const name of Object.keys(table)) {
      out.push([`${group}.${name}`, (f) => (f as unknown as Record<string, Record<string, () => Fn>>)[group]![name]!()]);
    }
  };
  const memory = (group: string, table: object) => {
    for (const name of Object.keys(table)) {
      const call = (m?: MemArg) => (f: Fn) => (f as unknown as Record<string, Record<string, (m?: MemArg) => Fn>>)[group]![name]!(m);
      out.push([`${group}.${name} offset=0 align=1`, call()]);
      out.push([`${group}.${name} offset=300 align=1`, call({ offset: 300 })]);
    }
  };
  const lane = (group: string, table: object) => {
    for (const name of Object.keys(table)) {
      out.push([`${group}.${name} 3`, (f) => (f as unknown as Record<string, Record<string, (l: number) => Fn>>)[group]![name]!(3)]);
    }
  };
  plain('i32', OP.I32_OPS);
  plain('f32', OP.F32_OPS);
  plain('f64', OP.F64_OPS);
  plain('memory', OP.BULK_MEMORY);
  plain('v128', OP.V128_OPS);
  plain('i8x16', OP.I8X16_OPS);
  plain('i16x8', OP.I16X8_OPS);
  plain('i32x4', OP.I32X4_OPS);
  plain('f32x4', OP.F32X4_OPS);
  plain('f64x2', OP.F64X2_OPS);
  memory('i32', OP.I32_MEMORY);
  memory('f32', OP.F32_MEMORY);
  memory('f64', OP.F64_MEMORY);
  memory('v128', OP.V128_MEMORY);
  for (const [group, table] of Object.entries(OP.LANE_OPS)) lane(group, table);
  for (const name of Object.keys(OP.V128_LANE_MEMORY) as Array<keyof typeof OP.V128_LANE_MEMORY>) {
    out.push([`v128.${name} offset=16 align=1 1`, (f) => f.v128[name](1, { offset: 16 })]);
  }
  out.push(
    ['v128.load offset=32 align=4', (f) => f.v128.load({ offset: 32, align: 4 })],
    ['f32.load offset=8 align=4', (f) => f.f32.load({ offset: 8, align: 4 })],
    ['i32.const 0', (f) => f.i32.const(0)],
    ['i32.const -4', (f) => f.i32.const(~3)],
    ['i32.const 1000000', (f) => f.i32.const(1e6)],
    ['f32.const 1', (f) => f.f32.const(1)],
    ['f32.const -0.1', (f) => f.f32.const(-0.1)],
    ['f32.const nan', (f) => f.f32.const(NaN)],
    ['f64.const 0.1', (f) => f.f64.const(0.1)],
    ['local.get 200', (f) => f.local.get(200)],
    ['local.set 1', (f) => f.local.set(1)],
    ['local.tee 2', (f) => f.local.tee(2)],
    ['block end', (f) => f.block().end()],
    ['block (result i32) end', (f) => f.block(I32).end()],
    ['loop end', (f) => f.loop().end()],
    ['loop (result f32) end', (f) => f.loop(F32).end()],
    ['if nop else nop end', (f) => f.if().nop().else().nop().end()],
    ['block br 0 end', (f) => f.block().br(0).end()],
    ['block br_if 0 end', (f) => f.block().br_if(0).end()],
    ['select', (f) => f.select()],
    ['drop', (f) => f.drop()],
    ['return', (f) => f.return()],
    ['unreachable', (f) => f.unreachable()],
  );
  return out;
}

describe('the wasm instruction table', () => {
  it('every instruction the emitter offers writes the bytes wabt writes for it', () => {
    const wrong: string[] = [];
    const all = cases();
    for (const [text, emit] of all) {
      const want = wabtBody(text);
      const got = emitterBody(emit);
      if (want.join() !== got.join()) wrong.push(`${text}: wabt ${want.map((b) => b.toString(16)).join(' ')}, emitter ${got.map((b) => b.toString(16)).join(' ')}`);
    }
    expect(wrong).toEqual([]);
    expect(all.length).toBeGreaterThan(250);
  });

  it('the structured helpers are the loop and if they say', () => {
    const loop = emitterBody((f) => f.forRange(1, () => f.i32.const(0), 0, 4, () => f.nop()));
    expect(loop).toEqual(wabtBody('i32.const 0 local.set 1 block loop local.get 1 local.get 0 i32.ge_u br_if 1 nop local.get 1 i32.const 4 i32.add local.set 1 br 0 end end'));
    const branch = emitterBody((f) => f.ifThen(() => f.local.get(0), () => f.nop(), () => f.drop()));
    expect(branch).toEqual(wabtBody('local.get 0 if nop else drop end'));
    expect(emitterBody((f) => f.addr4(2, 3))).toEqual(wabtBody('local.get 2 local.get 3 i32.const 2 i32.shl i32.add'));
  });
});

describe('the kernels', () => {
  it('are written in named instructions: no file that emits wasm holds a hex literal (the opcodes live in wasm-opcodes.ts)', () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'backend', 'wasm');
    const emitting = readdirSync(dir).filter((n) => n.endsWith('.ts') && readFileSync(join(dir, n), 'utf8').includes("from './wasm-emitter.js'"));
    expect(emitting.length).toBeGreaterThan(10);
    const bad = emitting.flatMap((n) => [...readFileSync(join(dir, n), 'utf8').matchAll(/\b0x[0-9a-f]+/gi)].map((m) => `${n}: ${m[0]}`));
    expect(bad).toEqual([]);
  });
});
