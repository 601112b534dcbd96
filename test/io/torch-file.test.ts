/**
 * The `.pth` reader: PyTorch's own files (made by `test/fixtures/torch/make_fixtures.py`, zip and
 * legacy formats) read value for value, into a tfai model in tfai's layout; and malicious or
 * broken files refused naming what was found and where, before anything is allocated for them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Sequential, Conv2d, BatchNorm2d } from '../../src/index.js';
import { decodeTorchStateDict, loadTorchStateDict, loadWeights, ALLOWED_GLOBALS, type TorchTensor } from '../../src/io/index.js';
import { writeZip } from '../helpers/zip-writer.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'torch');
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Pickle bytes from pieces: strings are written as latin-1, numbers as single bytes. */
function bytes(...parts: (string | number | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const str = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  return bytes('X', b.length & 255, (b.length >> 8) & 255, 0, 0, b);
};
const global = (mod: string, name: string): string => `c${mod}\n${name}\n`;
const int1 = (n: number): Uint8Array => bytes('K', n);
const PROTO = bytes(0x80, 2);
const ORDERED_DICT = bytes(global('collections', 'OrderedDict'), ')R');

/** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, shape, stride, False, OrderedDict())`. */
function tensor(key: string, numel: number, shape: number[], stride: number[], offset = 0, type = 'FloatStorage'): Uint8Array {
  const tuple = (xs: number[]): Uint8Array => bytes('(', ...xs.map(int1), 't');
  return bytes(global('torch._utils', '_rebuild_tensor_v2'), '((', str('storage'), global('torch', type), str(key), str('cpu'), int1(numel), 'tQ', int1(offset), tuple(shape), tuple(stride), 0x89, ORDERED_DICT, 'tR');
}

/** A state-dict pickle `{ name: tensor, … }`. */
function stateDictPickle(items: [string, Uint8Array][]): Uint8Array {
  return bytes(PROTO, ORDERED_DICT, '(', ...items.flatMap(([k, t]) => [str(k), t]), 'u.');
}

/** A torch.save-style zip around a pickle and float32 storages. */
function torchZip(pkl: Uint8Array, storages: Record<string, Float32Array> = {}, extra: { name: string; data: Uint8Array; method?: number; crc?: number }[] = []): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pkl },
    ...Object.entries(storages).map(([k, v]) => ({ name: `archive/data/${k}`, data: new Uint8Array(v.buffer) })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
    ...extra,
  ]);
}

function expectTiny(sd: Map<string, TorchTensor>): void {
  expect([...sd.keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '2.weight', '2.bias', 'half', 'double', 'flags', 'tr', 'view']);
  const w = sd.get('0.weight')!;
  expect(w.dtype).toBe('float32');
  expect(w.shape).toEqual([3, 2, 3, 3]);
  expect(Array.from(w.data)).toEqual(range(54, (i) => Math.fround(i / 100)));
  expect(Array.from(sd.get('0.bias')!.data)).toEqual([0, 1 / 8, 2 / 8]);
  expect(Array.from(sd.get('1.running_var')!.data)).toEqual(range(3, (i) => Math.fround(1 + i / 10)));
  expect(sd.get('1.num_batches_tracked')).toEqual({ dtype: 'int64', shape: [], data: Int32Array.from([7]) });
  expect(Array.from(sd.get('2.weight')!.data)).toEqual(range(6, (i) => -i / 4));
  expect(sd.get('half')).toEqual({ dtype: 'float16', shape: [2], data: Float32Array.from([1.5, -2.25]) });
  expect(sd.get('double')!.dtype).toBe('float64');
  expect(Array.from(sd.get('double')!.data)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  expect(sd.get('flags')).toEqual({ dtype: 'bool', shape: [2], data: Int32Array.from([1, 0]) });
  // a transposed view (strides [1, 4]) of arange(12).reshape(3, 4), and a slice of the same storage
  expect(sd.get('tr')!.shape).toEqual([4, 3]);
  expect(Array.from(sd.get('tr')!.data)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  expect(Array.from(sd.get('view')!.data)).toEqual([5, 6]);
}

describe('reading PyTorch files', () => {
  it('reads a torch.save zip file value for value: dtypes, shapes, shared and strided storages', async () => {
    expectTiny(await loadTorchStateDict(join(DIR, 'tiny-state-dict.pth')));
  });

  it('reads the legacy format of PyTorch < 1.6 to the same values', async () => {
    expectTiny(await loadTorchStateDict(join(DIR, 'tiny-legacy.pth')));
    expectTiny(decodeTorchStateDict(readFileSync(join(DIR, 'tiny-legacy.pth'))));
  });

  it('finds the state dict inside a checkpoint dict, and loads it into a tfai model in tfai layout', async () => {
    const file = join(DIR, 'tiny-checkpoint.pth');
    const sd = await loadTorchStateDict(file);
    expect([...sd.keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    const model = new Sequential(new Conv2d(2, 3, 3), new BatchNorm2d(3));
    await loadWeights(model, file);
    const w = model.stateDict()['0.weight'];
    expect(w.shape).toEqual([3, 3, 2, 3]); // [kh, kw, in, out]
    // tfai's w[kh][kw][i][o] is PyTorch's w[o][i][kh][kw] = (o·18 + i·9 + kh·3 + kw) / 100
    const got = (await w.array()) as number[][][][];
    for (const [kh, kw, i, o] of [[0, 0, 0, 0], [2, 1, 1, 2], [1, 2, 0, 1]]) expect(got[kh][kw][i][o]).toBeCloseTo((o * 18 + i * 9 + kh * 3 + kw) / 100, 6);
    expect(Array.from(await model.stateDict()['1.num_batches_tracked'].data())).toEqual([7]);
  });

  it('reads big-endian storages when byteorder says so', () => {
    const storage = new Uint8Array(8);
    new DataView(storage.buffer).setFloat32(0, 1.25, false);
    new DataView(storage.buffer).setFloat32(4, -3, false);
    const file = writeZip([
      { name: 'archive/data.pkl', data: stateDictPickle([['w', tensor('0', 2, [2], [1])]]) },
      { name: 'archive/data/0', data: storage },
      { name: 'archive/byteorder', data: new TextEncoder().encode('big') },
    ]);
    expect(Array.from(decodeTorchStateDict(file).get('w')!.data)).toEqual([1.25, -3]);
  });

  it('a hand-made state dict of the same shape as PyTorch writes is read', () => {
    const file = torchZip(stateDictPickle([['a', tensor('0', 4, [2, 2], [2, 1])], ['b', tensor('0', 4, [2], [1], 2)]]), { '0': Float32Array.from([1, 2, 3, 4]) });
    const sd = decodeTorchStateDict(file, 'hand.pth');
    expect(Array.from(sd.get('a')!.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(sd.get('b')!.data)).toEqual([3, 4]);
  });
});

describe('refusing what is not a state dict', () => {
  const refuse = (pkl: Uint8Array, storages: Record<string, Float32Array> = {}): (() => unknown) => () => decodeTorchStateDict(torchZip(pkl, storages), 'evil.pth');

  it('GLOBAL os.system (then REDUCE) is refused, naming it and its byte offset', () => {
    const pkl = bytes(PROTO, global('os', 'system'), str('touch /tmp/pwned'), 0x85, 'R.');
    expect(refuse(pkl)).toThrow(/evil\.pth \(archive\/data\.pkl\): GLOBAL os\.system is not part of a state dict: refused .*\(pickle byte 2, file byte \d+\)/);
    // the same pickle alone: the byte offset is the pickle's
    expect(() => decodeTorchStateDict(bytes(0x80, 2, global('os', 'system'), str('x'), 0x85, 'R.'))).toThrow(/not a torch\.save file/);
  });

  it('REDUCE on builtins.eval, inside an otherwise valid state dict, is refused', () => {
    const evil = bytes(global('builtins', 'eval'), str('__import__("os").system("id")'), 0x85, 'R');
    const pkl = stateDictPickle([['w', tensor('0', 1, [1], [1])], ['x', evil]]);
    expect(refuse(pkl, { '0': Float32Array.from([1]) })).toThrow(/GLOBAL builtins\.eval is not part of a state dict/);
  });

  it('REDUCE on an allowed name that is not a callable of a state dict (a storage class) is refused', () => {
    const pkl = bytes(PROTO, global('torch', 'FloatStorage'), ')R.');
    expect(refuse(pkl)).toThrow(/REDUCE on torch\.FloatStorage: only torch's tensor rebuilds and OrderedDict are called \(pickle byte 23/);
  });

  it.each([
    ['INST', bytes(PROTO, '(', 'ios\nsystem\n', '.'), /opcode INST \(0x69\) is not part of a state dict \(pickle byte 3/],
    ['OBJ', bytes(PROTO, '(', ORDERED_DICT, 'o.'), /opcode OBJ \(0x6f\)/],
    ['NEWOBJ', bytes(PROTO, ORDERED_DICT, ')', 0x81, '.'), /opcode NEWOBJ \(0x81\)/],
    ['BUILD on a list', bytes(PROTO, ']', '}', 'b.'), /BUILD on a tuple\/list of 0: only an OrderedDict's attributes/],
    ['a truncated pickle', bytes(PROTO, 'X', 200, 0, 0, 0, 'abc'), /longer than the pickle|ends inside opcode/],
    ['a memo read before it is written', bytes(PROTO, 'h', 3, '.'), /memo entry 3 is read before it is written/],
  ])('%s is refused', (_, pkl, msg) => {
    expect(refuse(pkl)).toThrow(msg);
  });

  it('a tensor reaching past its storage is refused, naming the key and the storage', () => {
    const pkl = stateDictPickle([['w', tensor('0', 4, [3, 3], [3, 1])]]);
    expect(refuse(pkl, { '0': new Float32Array(4) })).toThrow(/'w' \(shape \[3, 3\], offset 0, stride \[3, 1\]\) reaches element 8 of storage '0', which holds 4/);
  });

  it('a zero-stride tensor that would allocate far more than the file holds is refused before allocating', () => {
    const huge = bytes(global('torch._utils', '_rebuild_tensor_v2'), '((', str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), int1(1), 'tQ', int1(0), 'J', 0, 0xe1, 0xf5, 0x05, 0x85, int1(0), 0x85, 0x89, ORDERED_DICT, 'tR');
    expect(refuse(stateDictPickle([['w', huge]]), { '0': Float32Array.from([1]) })).toThrow(/'w': the tensors would hold 100000000 values from 4 bytes of storage: refused/);
  });

  it('a storage the archive lacks, a dict that holds no state dict, and a bare value are refused', () => {
    expect(refuse(stateDictPickle([['w', tensor('7', 1, [1], [1])]]))).toThrow(/storage '7' .* has no entry archive\/data\/7/);
    expect(refuse(bytes(PROTO, '}', str('epoch'), int1(3), 's.'))).toThrow(/holds a dict that is not a state dict \(keys "epoch"; 'epoch' is number 3\)/);
    expect(refuse(bytes(PROTO, int1(3), '.'))).toThrow(/holds number 3, not a state dict/);
  });

  it('lists what it accepts', () => {
    expect(ALLOWED_GLOBALS).toContain('torch._utils._rebuild_tensor_v2');
    expect(ALLOWED_GLOBALS).toContain('collections.OrderedDict');
    expect(ALLOWED_GLOBALS.some((g) => g.startsWith('os.') || g.startsWith('builtins.'))).toBe(false);
  });
});

describe('refusing broken archives', () => {
  const good = (): Uint8Array => new Uint8Array(readFileSync(join(DIR, 'tiny-state-dict.pth')));

  it('a truncated download names the file and what is missing', () => {
    const f = good();
    expect(() => decodeTorchStateDict(f.subarray(0, f.length - 100), 'cut.pth')).toThrow(/cut\.pth: not a zip archive: no end-of-central-directory record .*truncated download/);
    expect(() => decodeTorchStateDict(f.subarray(0, 2000), 'cut.pth')).toThrow(/cut\.pth: /);
  });

  it('a flipped byte fails the CRC-32 check, naming the entry and its bytes', () => {
    const f = good();
    const sd = decodeTorchStateDict(f);
    expect(sd.size).toBe(14);
    const at = f.indexOf(0x3f, 2500); // a byte inside a float storage
    f[at] ^= 0x10;
    expect(() => decodeTorchStateDict(f, 'flip.pth')).toThrow(/flip\.pth: entry '.*' \(bytes \d+\.\.\d+\) fails its CRC-32 check: the file is corrupt/);
  });

  it('compressed entries, TorchScript archives and other files are refused with what they are', () => {
    const compressed = writeZip([{ name: 'archive/data.pkl', data: bytes(PROTO, '}.'), method: 8 }]);
    expect(() => decodeTorchStateDict(compressed, 'z.pth')).toThrow(/entry 'archive\/data\.pkl' .* is compressed \(method 8\)/);
    const script = writeZip([{ name: 'm/constants.pkl', data: bytes(PROTO, ').') }, { name: 'm/code/__torch__.py', data: bytes('x') }]);
    expect(() => decodeTorchStateDict(script, 'm.pt')).toThrow(/m\.pt: a TorchScript archive \(torch\.jit\.save\)/);
    expect(() => decodeTorchStateDict(new TextEncoder().encode('hello world, not weights'), 'x.pth')).toThrow(/x\.pth: not a torch\.save file: it starts with bytes 68 65 6c 6c/);
  });
});
