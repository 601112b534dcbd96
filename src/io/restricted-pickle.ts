/**
 * A restricted unpickler for PyTorch state dicts: it interprets the pickle opcodes a `torch.save`
 * file uses (protocols 2 to 5) and builds plain values — numbers, strings, lists, dicts, ordered
 * dicts and tensor descriptions — without running anything. A `GLOBAL` may name only what a state
 * dict is made of (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and the parameter
 * rebuilds, the typed storage classes), `REDUCE` may call only the rebuilds and `OrderedDict`, and
 * any other name or opcode is refused with the name and the byte offset where it was found.
 */

/** A reference to a storage, as `torch.save`'s persistent ids give it. */
export type StorageRef = {
  readonly kind: 'storage';
  /** The storage class name (`FloatStorage`). */
  readonly storageType: string;
  /** The storage's key (its entry `data/<key>` in a zip file). */
  readonly key: string;
  /** Elements in the storage. */
  readonly numel: number;
  /** For legacy files: this is a view of storage `key` from element `offset` (else 0). */
  readonly viewOffset: number;
  /** For legacy views: the root storage's key (else `key`). */
  readonly rootKey: string;
};

/** A tensor: a strided view of a storage (`_rebuild_tensor_v2`'s arguments). */
export type TensorRef = {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** Byte offset of the rebuild in the pickle (for messages). */
  readonly at: number;
};

/** A value the restricted unpickler builds. */
export type PickleValue = null | boolean | number | string | Uint8Array | PickleValue[] | PickleDict | TensorRef | StorageRef | PickleGlobal;

/** A dict or `OrderedDict` (keys kept in insertion order). */
export type PickleDict = Map<string | number, PickleValue>;

/** An allowed global, as a `GLOBAL` opcode names it. */
export type PickleGlobal = { readonly kind: 'global'; readonly module: string; readonly name: string };

/** A pickle that is not a plain state dict, or is malformed; names the file and the byte offset. */
export class PickleError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'PickleError';
  }
}

/** The storage classes of the usual dtypes, and their element sizes. */
export const STORAGE_TYPES: Readonly<Record<string, number>> = {
  FloatStorage: 4,
  DoubleStorage: 8,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
};

const CALLABLE = new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state']);

/** Every global a state dict may name. */
export const ALLOWED_GLOBALS: readonly string[] = [...CALLABLE, ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`)];

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

/** Options of `unpickle`. */
export type UnpickleOptions = {
  /** Names the file in errors. */
  source: string;
  /** Offset of `bytes` in the file, so that errors give file offsets. */
  base?: number;
  /** Resolve a persistent id (`BINPERSID`); may throw. */
  persistentLoad?: (pid: PickleValue, at: number) => PickleValue;
};

/**
 * Interpret the pickle at the start of `bytes`; returns the value and the offset just after its
 * `STOP` opcode (a legacy `torch.save` file holds several pickles in a row).
 * @throws PickleError naming the file, the opcode or global at fault, and its byte offset.
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): { value: PickleValue; end: number } {
  const base = opts.base ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let op = 0;
  let opAt = 0;
  const fail = (msg: string, at = opAt): never => {
    throw new PickleError(opts.source, `${msg} (pickle byte ${at}${base ? `, file byte ${base + at}` : ''})`);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail(`the pickle ends inside opcode 0x${op.toString(16)} (needs ${n} more bytes, ${bytes.length - pos} left): truncated file?`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail(`opcode 0x${op.toString(16)} found ${v === MARK ? 'a mark' : 'an empty stack'} where it needs a value`);
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail(`opcode 0x${op.toString(16)} needs a value on the stack`);
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail(`opcode 0x${op.toString(16)} needs a mark on the stack`);
    const items = stack.splice(i) as Slot[];
    return items.slice(1) as PickleValue[];
  };
  const text = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch {
      return fail('a string that is not valid UTF-8');
    }
  };
  const latin1 = (n: number): string => {
    const at = need(n);
    let out = '';
    for (let i = at; i < at + n; i++) out += String.fromCharCode(bytes[i]);
    return out;
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 256) fail('a GLOBAL whose name is not terminated by a newline');
    const s = latin1(nl - pos);
    pos++;
    return s;
  };
  const size = (v: bigint | number, what: string): number => {
    if (typeof v === 'bigint' ? v < 0n || v > BigInt(bytes.length) : v < 0 || v > bytes.length) fail(`${what} of ${v} bytes is longer than the pickle (${bytes.length} bytes)`);
    return Number(v);
  };
  const setItems = (d: PickleValue, items: PickleValue[]): void => {
    if (!(d instanceof Map)) return fail(`SETITEM(S) on ${describe(d)}: only dicts are built`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number') fail(`a dict key that is ${describe(k)}: state dicts have string or integer keys`);
      d.set(k as string | number, items[i + 1]);
    }
  };
  const append = (l: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(l)) return fail(`APPEND(S) on ${describe(l)}: only lists are built`);
    l.push(...items);
  };
  const memoPut = (i: number): void => {
    memo.set(i, top());
  };
  const memoGet = (i: number): void => {
    if (!memo.has(i)) fail(`memo entry ${i} is read before it is written`);
    stack.push(memo.get(i)!);
  };

  for (;;) {
    opAt = pos;
    op = bytes[need(1)];
    switch (op) {
      case 0x80: // PROTO
        if (bytes[need(1)] > 5) fail(`pickle protocol ${bytes[pos - 1]} (this reader knows 2 to 5)`);
        break;
      case 0x95: // FRAME: the frame's length; its opcodes follow inline
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || stack[0] === MARK) fail(`STOP with ${stack.length} values on the stack (expected 1)`);
        return { value: stack[0] as PickleValue, end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack.pop() === undefined) fail('POP on an empty stack');
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = bytes[need(1)];
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
        if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : fail(`an integer (${v}) beyond 2^53`));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(size(view.getUint32(need(4), true), 'a string')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(bytes[need(1)]));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(size(view.getBigUint64(need(8), true), 'a string')));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(size(view.getInt32(need(4), true), 'a string')));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(bytes[need(1)]));
        break;
      case 0x42: {
        // BINBYTES
        const n = size(view.getUint32(need(4), true), 'a bytes object');
        stack.push(bytes.slice(need(n), pos));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        const n = bytes[need(1)];
        stack.push(bytes.slice(need(n), pos));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const d: PickleDict = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memoPut(bytes[need(1)]);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(view.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(bytes[need(1)]);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(view.getUint32(need(4), true));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(allowGlobal(module, line(), fail));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL without a module and a name');
        stack.push(allowGlobal(module as string, name as string, fail));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args, opAt, fail));
        break;
      }
      case 0x62: {
        // BUILD: only an OrderedDict's attributes (torch stores `_metadata` this way); kept out of the value
        const state = pop();
        const obj = top();
        if (!(obj instanceof Map) || !(state instanceof Map || state === null)) fail(`BUILD on ${describe(obj)}: only an OrderedDict's attributes are accepted`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('a persistent id (BINPERSID) where none is expected');
        stack.push(opts.persistentLoad!(pid, opAt));
        break;
      }
      default:
        fail(`opcode ${opName(op)} is not part of a state dict`);
    }
  }
}

function allowGlobal(module: string, name: string, fail: (m: string) => never): PickleGlobal {
  const full = `${module}.${name}`;
  if (!ALLOWED_GLOBALS.includes(full)) {
    fail(`GLOBAL ${full} is not part of a state dict: refused (a state dict names only ${ALLOWED_GLOBALS.slice(0, 5).join(', ')} and torch's storage classes)`);
  }
  return { kind: 'global', module, name };
}

function reduce(fn: PickleValue, args: PickleValue, at: number, fail: (m: string) => never): PickleValue {
  const g = fn as PickleGlobal;
  if (!g || typeof g !== 'object' || (g as { kind?: string }).kind !== 'global') return fail(`REDUCE on ${describe(fn)}: only torch's tensor rebuilds and OrderedDict are called`);
  const full = `${g.module}.${g.name}`;
  if (!CALLABLE.has(full)) return fail(`REDUCE on ${full}: only torch's tensor rebuilds and OrderedDict are called`);
  if (!Array.isArray(args)) return fail(`REDUCE on ${full} with ${describe(args)} instead of an argument tuple`);
  switch (g.name) {
    case 'OrderedDict':
      if (args.length !== 0) fail(`REDUCE on collections.OrderedDict with ${args.length} arguments (a state dict's has none)`);
      return new Map();
    case '_rebuild_tensor':
    case '_rebuild_tensor_v2': {
      const [storage, offset, shape, stride] = args;
      const s = storage as StorageRef | null;
      if (!s || (s as { kind?: string }).kind !== 'storage') fail(`${full} without a storage as its first argument (got ${describe(storage)})`);
      const ints = (v: PickleValue, what: string): number[] => {
        if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`${full}: ${what} must be a tuple of integers >= 0, got ${describe(v)}`);
        return v as number[];
      };
      const sh = ints(shape, 'size');
      const st = ints(stride, 'stride');
      if (sh.length !== st.length) fail(`${full}: size has ${sh.length} dimensions and stride ${st.length}`);
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail(`${full}: storage offset must be an integer >= 0, got ${describe(offset)}`);
      return { kind: 'tensor', storage: s!, offset: offset as number, shape: sh, stride: st, at };
    }
    default: {
      // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): the tensor itself
      const data = args[0];
      if (!data || (data as { kind?: string }).kind !== 'tensor') fail(`${full} without a tensor as its first argument (got ${describe(data)})`);
      return data as TensorRef;
    }
  }
}

/** A value in a few words, for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'object') {
    const k = (v as { kind?: string }).kind;
    if (k === 'global') return `${(v as PickleGlobal).module}.${(v as PickleGlobal).name}`;
    return `a ${k ?? 'value'}`;
  }
  return `${typeof v} ${JSON.stringify(v)}`;
}

const OPCODE_NAMES: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x50: 'PERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x67: 'GET',
  0x70: 'PUT',
  0x8b: 'LONG4',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

function opName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  return OPCODE_NAMES[op] ? `${OPCODE_NAMES[op]} (${hex})` : hex;
}
