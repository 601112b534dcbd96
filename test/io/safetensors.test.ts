/**
 * safetensors weights: a file laid out byte by byte as PyTorch's safetensors writes it loads into
 * the tfai model (conv and linear weights transposed by module type), `learn.save` writes PyTorch
 * layouts back, and every malformed or foreign file is refused naming the fault, with the model and
 * any existing file untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Sequential, Conv2d, BatchNorm2d, Flatten, Linear, Learner, crossEntropy, setSeed } from '../../src/index.js';
import { tinyData } from '../helpers/tiny.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-st-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Conv2d(1→2, 3×3) → BatchNorm2d(2) → Flatten → Linear(2→3): keys 0.*, 1.*, 3.* as in PyTorch. */
function tinyNet(out = 3): Sequential {
  setSeed(5);
  return new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new Flatten(), new Linear(2, out));
}

function learnerOf(model: Sequential): Learner {
  return new Learner({ model, data: tinyData(), lossFunc: crossEntropy });
}

type TorchTensor = { dtype: 'F32' | 'I64'; shape: number[]; values: number[] };

/**
 * A safetensors file written by hand the way `safetensors.torch.save_file` lays it out: u64 LE
 * header size, JSON header padded with spaces to 8 bytes, then each tensor's little-endian bytes.
 */
function torchFile(tensors: Record<string, TorchTensor>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    const n = t.values.length * (t.dtype === 'I64' ? 8 : 4);
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const buf = new Uint8Array(8 + json.length + off);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  for (let i = 0; i < json.length; i++) buf[8 + i] = json.charCodeAt(i);
  let p = 8 + json.length;
  for (const t of Object.values(tensors)) {
    for (const v of t.values) {
      if (t.dtype === 'I64') dv.setBigInt64(p, BigInt(v), true);
      else dv.setFloat32(p, v, true);
      p += t.dtype === 'I64' ? 8 : 4;
    }
  }
  return buf;
}

// PyTorch-layout values: conv weight [out=2, in=1, kh=3, kw=3] with w[o][0][i][j] = (o+1)·(i·3+j+1)/10
const convW = (o: number, i: number, j: number): number => ((o + 1) * (i * 3 + j + 1)) / 10;
const convB = [0.5, -0.25];
const bn = { weight: [2, 0.5], bias: [0.1, -0.1], mean: [1, 2], var: [4, 0.25] };
const linW = [[1, -1], [0.5, 2], [-3, 0.25]]; // [out=3, in=2]
const linB = [0.01, 0.02, 0.03];

function torchTensors(): Record<string, TorchTensor> {
  const w: number[] = [];
  for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) w.push(convW(o, i, j));
  return {
    '0.weight': { dtype: 'F32', shape: [2, 1, 3, 3], values: w },
    '0.bias': { dtype: 'F32', shape: [2], values: convB },
    '1.weight': { dtype: 'F32', shape: [2], values: bn.weight },
    '1.bias': { dtype: 'F32', shape: [2], values: bn.bias },
    '1.running_mean': { dtype: 'F32', shape: [2], values: bn.mean },
    '1.running_var': { dtype: 'F32', shape: [2], values: bn.var },
    '1.num_batches_tracked': { dtype: 'I64', shape: [], values: [7] },
    '3.weight': { dtype: 'F32', shape: [3, 2], values: linW.flat() },
    '3.bias': { dtype: 'F32', shape: [3], values: linB },
  };
}

/** The network's output for a 3×3 image, computed by hand from the PyTorch-layout values. */
function byHand(img: number[][]): number[] {
  const h = [0, 1].map((o) => {
    let s = convB[o];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += convW(o, i, j) * img[i][j];
    return ((s - bn.mean[o]) / Math.sqrt(bn.var[o] + 1e-5)) * bn.weight[o] + bn.bias[o];
  });
  return linW.map((row, k) => row[0] * h[0] + row[1] * h[1] + linB[k]);
}

async function snapshot(m: Sequential): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m.stateDict())) out[k] = Array.from(await v.data());
  return out;
}

describe('PyTorch safetensors files', () => {
  const img = [[1, 2, 0], [-1, 0.5, 3], [2, -2, 1]];

  it('learn.load reads a file written as PyTorch writes it: conv [out,in,kh,kw] and linear [out,in] are transposed', async () => {
    const file = path.join(dir, 'torch.safetensors');
    await fs.writeFile(file, torchFile(torchTensors()));
    const model = tinyNet();
    await learnerOf(model).load(file);
    // The conv weight landed in TF.js layout [kh, kw, in, out]: w[i][j][0][o] = PyTorch w[o][0][i][j].
    const w = (await model.stateDict()['0.weight'].array()) as number[][][][];
    expect(model.stateDict()['0.weight'].shape).toEqual([3, 3, 1, 2]);
    expect(w[1][2][0][1]).toBeCloseTo(convW(1, 1, 2), 6);
    expect(w[2][0][0][0]).toBeCloseTo(convW(0, 2, 0), 6);
    expect(Array.from(await model.stateDict()['1.num_batches_tracked'].data())).toEqual([7]);
    model.eval();
    const y = tf.tidy(() => model.forward(tf.tensor4d(img.flat(), [1, 3, 3, 1])));
    const got = Array.from(await y.data());
    y.dispose();
    byHand(img).forEach((v, k) => expect(got[k]).toBeCloseTo(v, 4));
  });

  it('learn.save writes PyTorch names and layouts (num_batches_tracked as I64) that load back exactly', async () => {
    const src = path.join(dir, 'torch2.safetensors');
    await fs.writeFile(src, torchFile(torchTensors()));
    const a = tinyNet();
    await learnerOf(a).load(src);
    const out = path.join(dir, 'saved.safetensors');
    await learnerOf(a).save(out);
    const file = decodeSafetensors(new Uint8Array(await fs.readFile(out)), out);
    expect(file.metadata.format).toBe('pt');
    expect(file.tensors.get('0.weight')!.shape).toEqual([2, 1, 3, 3]);
    expect(file.tensors.get('3.weight')!.shape).toEqual([3, 2]);
    expect(file.tensors.get('1.num_batches_tracked')!.fileDtype).toBe('I64');
    for (const [k, t] of Object.entries(torchTensors())) {
      Array.from(file.tensors.get(k)!.data).forEach((v, i) => expect(v).toBeCloseTo(t.values[i], 6));
    }
    const b = tinyNet();
    await learnerOf(b).load(out);
    expect(await snapshot(b)).toEqual(await snapshot(a));
  });

  it('decodes F64 → float32 and I64 → int32, and refuses an I64 that does not fit', () => {
    const json = JSON.stringify({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, b: { dtype: 'I64', shape: [1], data_offsets: [8, 16] } });
    const head = json.padEnd(Math.ceil((json.length + 8) / 8) * 8 - 8, ' ');
    const buf = new Uint8Array(8 + head.length + 16);
    const dv = new DataView(buf.buffer);
    dv.setBigUint64(0, BigInt(head.length), true);
    buf.set(Buffer.from(head), 8);
    dv.setFloat64(8 + head.length, 1.5, true);
    dv.setBigInt64(16 + head.length, -3n, true);
    const f = decodeSafetensors(buf, 'mixed.safetensors');
    expect(Array.from(f.tensors.get('a')!.data)).toEqual([1.5]);
    expect(f.tensors.get('b')!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(f.tensors.get('b')!.data)).toEqual([-3]);
    dv.setBigInt64(16 + head.length, 2n ** 40n, true);
    expect(() => decodeSafetensors(buf, 'big.safetensors')).toThrow(/big\.safetensors: tensor 'b': I64 value 1099511627776 at element 0 \(file byte \d+\) does not fit in int32/);
  });
});

describe('malformed files are refused, naming the file and the fault, and the model is untouched', () => {
  const cases: [string, (good: Uint8Array) => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', (g) => g.slice(0, 5), /bad\.safetensors: truncated: 5 bytes/],
    ['truncated data', (g) => g.slice(0, g.length - 10), /bad\.safetensors: tensor '3\.bias': data_offsets \[\d+, \d+\] \(file bytes \d+\.\.\d+\) go beyond the end of the file .* truncated/],
    ['header length beyond the file', (g) => {
      const b = g.slice();
      new DataView(b.buffer).setBigUint64(0, 10n ** 9n, true);
      return b;
    }, /bad\.safetensors: header length 1000000000 \(bytes 0\.\.8\) goes beyond the end of the file/],
    ['garbage header', () => {
      const b = new Uint8Array(8 + 24);
      new DataView(b.buffer).setBigUint64(0, 24n, true);
      b.set(Buffer.from('{"0.weight": {dtype: F3'), 8);
      return b;
    }, /bad\.safetensors: the header is damaged, or this is not a safetensors file: it is not valid JSON \(at byte \d+\)/],
    ['not safetensors at all (a PNG)', () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), /bad\.safetensors: not a safetensors file: it starts as a PNG image does \(89 50 4e 47\)/],
    // a zip is read as a PyTorch .pth (learn.load reads those too): this one is cut short
    ['not safetensors at all (the first bytes of a PyTorch .pth zip)', () => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]), /bad\.safetensors: not a zip archive: no end-of-central-directory record in the last 64 KB of 16 bytes \(truncated download\?\)/],
    ['not safetensors at all (text)', () => Buffer.from('hello world, this is plain text and not a weights file'), /bad\.safetensors: not a safetensors file: its first 8 bytes give a header length of \d+, more than the file's \d+ bytes/],
    ['one byte of the header changed (__metadata__ → __m{tadata__)', (g) => {
      const b = g.slice();
      const at = Buffer.from(b).indexOf('__metadata__');
      b[at + 3] = '{'.charCodeAt(0);
      return b;
    }, /bad\.safetensors: the header is damaged: entry '__m\{tadata__' is not a tensor \(it has format; a tensor has dtype, shape, data_offsets\)/],
    ['one byte of a tensor entry changed (dtype → dtyqe)', (g) => {
      const b = g.slice();
      const at = Buffer.from(b).indexOf('"dtype"');
      b[at + 4] = 'q'.charCodeAt(0);
      return b;
    }, /bad\.safetensors: the header is damaged: entry '[^']+' is not a tensor \(it has dtyqe, shape, data_offsets; a tensor has dtype, shape, data_offsets\)/],
  ];
  for (const [name, corrupt, msg] of cases) {
    it(name, async () => {
      const file = path.join(dir, 'bad.safetensors');
      await fs.writeFile(file, corrupt(torchFile(torchTensors())));
      const model = tinyNet();
      const before = await snapshot(model);
      await expect(learnerOf(model).load(file)).rejects.toThrow(msg);
      expect(await snapshot(model)).toEqual(before);
    });
  }

  const header = (h: object): Uint8Array => {
    const json = JSON.stringify(h).padEnd(40, ' ');
    const b = new Uint8Array(8 + json.length + 16);
    new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
    b.set(Buffer.from(json), 8);
    return b;
  };

  it('overlapping tensors, unknown dtypes and byte counts that do not match the shape', () => {
    expect(() => decodeSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }), 'o.st')).toThrow(
      /o\.st: tensor '(a|b)' \(data_offsets \[0, (8|16)\]\) overlaps tensor '(a|b)'/,
    );
    expect(() => decodeSafetensors(header({ a: { dtype: 'C64', shape: [2], data_offsets: [0, 16] } }), 'd.st')).toThrow(/d\.st: tensor 'a': unsupported dtype "C64"/);
    expect(() => decodeSafetensors(header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }), 'n.st')).toThrow(
      /n\.st: tensor 'a': data_offsets \[0, 16\] hold 16 bytes but shape \[3\] of F32 needs 3 × 4 = 12/,
    );
    expect(() => decodeSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }), 'g.st')).toThrow(/g\.st: 8 bytes after the last tensor/);
    expect(() => decodeSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, -8] } }), 'x.st')).toThrow(/x\.st: tensor 'a': data_offsets must be \[begin, end\]/);
  });

  it('a file of another architecture names the first mismatching key and leaves the model as it was', async () => {
    const file = path.join(dir, 'other.safetensors');
    await learnerOf(tinyNet(5)).save(file); // Linear(2 → 5) instead of (2 → 3)
    const model = tinyNet();
    const before = await snapshot(model);
    await expect(learnerOf(model).load(file)).rejects.toThrow(/other\.safetensors: shape mismatch for '3\.weight': the model expects \[3, 2\] \(PyTorch layout \[out, in\]\), the file has \[5, 2\]/);
    expect(await snapshot(model)).toEqual(before);

    const t = torchTensors();
    delete (t as Partial<typeof t>)['1.running_var'];
    await fs.writeFile(file, torchFile(t));
    await expect(learnerOf(model).load(file)).rejects.toThrow(/other\.safetensors: missing key '1\.running_var'/);
    await fs.writeFile(file, torchFile({ ...torchTensors(), '4.weight': { dtype: 'F32', shape: [1], values: [0] } }));
    await expect(learnerOf(model).load(file)).rejects.toThrow(/other\.safetensors: unexpected key '4\.weight'/);
    expect(await snapshot(model)).toEqual(before);
  });
});

describe('saving never damages an existing file', () => {
  it('a save that fails leaves the old file byte for byte, and no temporary behind', async () => {
    const file = path.join(dir, 'keep.safetensors');
    const learn = learnerOf(tinyNet());
    await learn.save(file);
    const old = await fs.readFile(file);
    const bad = { metadata: { epoch: 3 as unknown as string } };
    await expect(learn.save(file, bad)).rejects.toThrow(/metadata 'epoch' must be a string/);
    expect((await fs.readFile(file)).equals(old)).toBe(true);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a write that fails at the rename removes its temporary and leaves the target as it was', async () => {
    const target = path.join(dir, 'a-folder');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'inside'), 'x');
    await expect(writeFileAtomic(target, encodeSafetensors([]))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|illegal operation/);
    expect(await fs.readFile(path.join(target, 'inside'), 'utf8')).toBe('x');
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('SafetensorsError carries the file', () => {
    try {
      decodeSafetensors(new Uint8Array(3), 'w.safetensors');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsError);
      expect((e as SafetensorsError).file).toBe('w.safetensors');
    }
  });
});
