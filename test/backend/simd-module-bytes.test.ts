/**
 * The bytes of tfai's runtime-built wasm module, pinned: the kernels are written in named
 * instructions (`backend/wasm/wasm-emitter.ts`), and a change to how they are written must not
 * change what runs unless that is the point. What the kernels compute is checked against the cpu
 * backend by wasm-kernels.test.ts and fused-kernels.test.ts; this test catches any change of the
 * emitted code at all, and names the function whose body changed. A deliberate change updates the
 * hashes below in the same commit, and the commit says why.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simdModuleBytes } from '../../src/backend/wasm/simd-module.js';
import { functionBodies, readUleb, sections } from '../helpers/wasm-binary.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Each exported function's name and the first 16 hex digits of the sha256 of its body. */
function functionHashes(bytes: Uint8Array): Record<string, string> {
  const names: string[] = [];
  const exp = sections(bytes).get(7)!;
  let [count, p] = readUleb(exp, 0);
  for (let i = 0; i < count; i++) {
    const [len, s] = readUleb(exp, p);
    names.push(new TextDecoder().decode(exp.subarray(s, s + len)));
    [, p] = readUleb(exp, s + len + 1); // export kind byte, then the function index
  }
  // each body hashed without its size prefix
  return Object.fromEntries(functionBodies(bytes).map((body, i) => [names[i]!, sha256(body.subarray(readUleb(body, 0)[1])).slice(0, 16)]));
}

const PLAIN_MODULE = '666f53f33911bc094cd17b07a225d9bf66339d90b06cfeb227a9e0f2272fcfd9';
const SHARED_MODULE = 'ca78cf164ebd78ce4b4b9e87e85ba01ac443b3593096403fa2ec35da7de8c8cb';

/** The function bodies of the module as first pinned (the same in the plain and shared module). */
const FUNCTIONS: Record<string, string> = {
  add_vt: '93b28a80402e25cf',
  add_tv: 'f64bd201b78528d8',
  sub_vt: 'c72e0c35ceb86e7d',
  sub_tv: '31ec59fa0ac34ed5',
  mul_vt: '2231b6933cc84647',
  mul_tv: 'a55764f6ca52f2c8',
  div_vt: '8dc45336e36b057a',
  div_tv: 'abd4e6c4fe1f77fa',
  max_vt: '9788f8e04fe06c71',
  max_tv: '4611c6e08ee84c88',
  min_vt: 'e23472a90f5b468e',
  min_tv: '04307f57e86d052f',
  sqdiff_vt: 'a8fe6c40ad1419c8',
  sqdiff_tv: '80a43168d2a4f6b8',
  gt_vt: '88b91c282ab336ca',
  gt_tv: '7f1fce3a08a78261',
  ge_vt: 'db5995fc814345ef',
  ge_tv: 'ace2a8fc5db913f4',
  lt_vt: '5495ae1b0ed57cfa',
  lt_tv: 'a8aa69c58dd932ce',
  le_vt: '1a56d19069c626c1',
  le_tv: '7d921780c84f8190',
  eq_vt: '7f422310f32c747c',
  eq_tv: '4adbdb66d49c38b5',
  ne_vt: '5607479d25bafac2',
  ne_tv: '8108743c169b470a',
  select: 'b90a8e4b558cb10c',
  leaky_relu: 'eb55e75f48fe47d5',
  reduce_sum: '33c3496fe2b990be',
  col2im: 'ec9c5ae68c6062a9',
  conv_dw_r1: '427f1ec23a11d7ec',
  conv_dw_r2: '006ec1965140c725',
  conv_fw_r1: '35c6c534f8c8644b',
  conv_fw_r2: 'e79172eace7f6a7d',
  pack_taps: '4fa4c03053ede97b',
  sgd_step: '04c5d6b88f4e57df',
  general_relu: '0fc6c9bef1eb91da',
  general_relu_grad: '13577b69a7964513',
  pad_nhwc: '243fee5cbd669906',
  relu: '76c5f6f430fbf672',
  relu_grad: '08af4d6d80c1db9a',
};

describe('the SIMD module bytes', () => {
  it('every function body is the pinned one', () => {
    expect(functionHashes(simdModuleBytes(false))).toEqual(FUNCTIONS);
    expect(functionHashes(simdModuleBytes(true))).toEqual(FUNCTIONS);
  });

  it('the whole module, plain and importing a shared memory, is byte for byte the pinned one', () => {
    expect(sha256(simdModuleBytes(false))).toBe(PLAIN_MODULE);
    expect(sha256(simdModuleBytes(true))).toBe(SHARED_MODULE);
  });

  it('validates in this runtime', () => {
    expect(WebAssembly.validate(simdModuleBytes(false))).toBe(true);
  });
});
