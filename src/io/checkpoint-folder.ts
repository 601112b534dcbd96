/**
 * Checkpoints on disk. A checkpoint directory holds one folder per checkpoint and two pointer files:
 *
 *     <dir>/epoch-0003/model.safetensors       weights, PyTorch names and layouts
 *     <dir>/epoch-0003/optimizer.safetensors   optimizer tensors (moments…), keyed "<group>.<index>.<name>"
 *     <dir>/epoch-0003/state.json              position, RNG states, hypers, callback histories, checksums
 *     <dir>/latest                             name of the newest complete checkpoint (plain text)
 *     <dir>/best                               name of the best one by the monitored value (if any)
 *
 * A folder is written complete in a temporary folder and renamed into place; the `latest` pointer
 * is replaced atomically afterwards, so a crash at any moment leaves `latest` naming a complete
 * checkpoint. Reading verifies each file's size and SHA-256 against `state.json`.
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { TEMP_PREFIX, exists, writeDirAtomic, writeFileAtomic } from './atomic-write.js';
import type { CheckpointState } from './checkpoint-types.js';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json' } as const;
/** Pointer file names in a checkpoint directory. */
export type PointerName = 'latest' | 'best';

/** A checkpoint read from disk: its folder, parsed state and raw tensor files (checksums verified). */
export type CheckpointFiles = { folder: string; state: CheckpointState; model: Uint8Array; optimizer: Uint8Array };

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A folder name in `dir` starting with `base` that is not taken (`base`, `base-r1`, `base-r2`, …). */
export async function freeName(dir: string, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const name = i ? `${base}-r${i}` : base;
    if (!(await exists(path.join(dir, name)))) return name;
  }
}

/**
 * Write checkpoint folder `<dir>/<state.name>` atomically (fills in `state.files`). Does not move the
 * pointers. Returns the folder's path.
 */
export async function writeCheckpointFolder(dir: string, files: { model: Uint8Array; optimizer: Uint8Array }, state: Omit<CheckpointState, 'files'>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const full: CheckpointState = {
    ...state,
    files: {
      [CHECKPOINT_FILES.model]: { bytes: files.model.length, sha256: sha256(files.model) },
      [CHECKPOINT_FILES.optimizer]: { bytes: files.optimizer.length, sha256: sha256(files.optimizer) },
    },
  };
  return writeDirAtomic(path.join(dir, state.name), {
    [CHECKPOINT_FILES.model]: files.model,
    [CHECKPOINT_FILES.optimizer]: files.optimizer,
    [CHECKPOINT_FILES.state]: `${toJson(full)}\n`,
  });
}

/** JSON with one key per line, but arrays of numbers (losses, orders) on one line each. */
function toJson(v: unknown, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number' || x === null)) return JSON.stringify(v);
    return `[\n${v.map((x) => `${indent} ${toJson(x, `${indent} `)}`).join(',\n')}\n${indent}]`;
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (!entries.length) return '{}';
    return `{\n${entries.map(([k, x]) => `${indent} ${JSON.stringify(k)}: ${toJson(x, `${indent} `)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Point `<dir>/<which>` at checkpoint `name` (atomic replace). */
export async function setPointer(dir: string, which: PointerName, name: string): Promise<void> {
  await writeFileAtomic(path.join(dir, which), `${name}\n`);
}

/** The checkpoint name a pointer file holds, or null when there is no such pointer. */
export async function readPointer(dir: string, which: PointerName): Promise<string | null> {
  try {
    const name = (await fs.readFile(path.join(dir, which), 'utf8')).trim();
    if (!name || name !== path.basename(name)) throw new Error(`checkpoint pointer '${path.join(dir, which)}' holds '${name}', not a checkpoint folder name`);
    return name;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The checkpoints in `dir` whose `state.json` parses, oldest first (by save counter). */
export async function listCheckpoints(dir: string): Promise<CheckpointState[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: CheckpointState[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    try {
      out.push(parseState(await fs.readFile(path.join(dir, name, CHECKPOINT_FILES.state), 'utf8'), path.join(dir, name)));
    } catch {
      // not a checkpoint folder (a pointer file, or a folder of something else)
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Remove temporary folders and files a crashed save left in `dir`. */
export async function removeLeftovers(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith(TEMP_PREFIX)).map((n) => fs.rm(path.join(dir, n), { recursive: true, force: true })));
}

/**
 * The checkpoint folder `p` designates: a checkpoint folder itself, a checkpoint directory (its
 * `latest`), or a pointer file (`<dir>/latest`, `<dir>/best`).
 */
export async function resolveCheckpoint(p: string): Promise<string> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    throw new Error(`resume: no checkpoint at '${p}' (no such file or folder)`);
  }
  if (st.isFile()) {
    const which = path.basename(p);
    if (which !== 'latest' && which !== 'best') throw new Error(`resume: '${p}' is a file; give a checkpoint directory, a checkpoint folder, or its 'latest' / 'best' pointer`);
    const name = await readPointer(path.dirname(p), which);
    return path.join(path.dirname(p), name!);
  }
  if (await exists(path.join(p, CHECKPOINT_FILES.state))) return p;
  const name = await readPointer(p, 'latest');
  if (name === null) throw new Error(`resume: '${p}' holds no checkpoint (no '${CHECKPOINT_FILES.state}' and no 'latest' pointer)`);
  return path.join(p, name);
}

/**
 * Read the checkpoint `p` designates (see `resolveCheckpoint`): `state.json` is parsed and checked,
 * and the tensor files are read and checked against its sizes and SHA-256 sums.
 * @throws Error naming the folder and the file at fault.
 */
export async function readCheckpointFiles(p: string): Promise<CheckpointFiles> {
  const folder = await resolveCheckpoint(p);
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await fs.readFile(path.join(folder, name)));
    } catch (e) {
      throw new Error(`checkpoint '${folder}': cannot read ${name}: ${(e as Error).message}`);
    }
  };
  const state = parseState(Buffer.from(await read(CHECKPOINT_FILES.state)).toString('utf8'), folder);
  const files = { model: await read(CHECKPOINT_FILES.model), optimizer: await read(CHECKPOINT_FILES.optimizer) };
  for (const [key, name] of [['model', CHECKPOINT_FILES.model], ['optimizer', CHECKPOINT_FILES.optimizer]] as const) {
    const want = state.files[name];
    const got = files[key];
    if (!want) throw new Error(`checkpoint '${folder}': state.json lists no checksum for ${name}`);
    if (got.length !== want.bytes) throw new Error(`checkpoint '${folder}': ${name} is ${got.length} bytes but state.json says ${want.bytes} (truncated or replaced)`);
    if (sha256(got) !== want.sha256) throw new Error(`checkpoint '${folder}': ${name} does not match its SHA-256 in state.json (corrupted or replaced)`);
  }
  return { folder, state, ...files };
}

/** Parse and check `state.json` text of `folder`. */
export function parseState(text: string, folder: string): CheckpointState {
  const where = path.join(folder, CHECKPOINT_FILES.state);
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!s || typeof s !== 'object' || s.format !== 'tfai-checkpoint') throw new Error(`${where}: not a tfai checkpoint (format is ${JSON.stringify((s as { format?: unknown })?.format)})`);
  if (s.version !== 1) throw new Error(`${where}: checkpoint version ${JSON.stringify(s.version)} is not supported (this tfai reads version 1)`);
  const need: [string, (v: unknown) => boolean][] = [
    ['name', (v) => typeof v === 'string'],
    ['seq', Number.isInteger],
    ['epochs', Number.isInteger],
    ['nEpochs', Number.isFinite],
    ['nIter', Number.isInteger],
    ['position', (v) => isPosition(v)],
    ['rng', (v) => !!v && typeof v === 'object'],
    ['loaders', (v) => !!v && typeof v === 'object'],
    ['optimizer', (v) => !!v && typeof v === 'object' && Array.isArray((v as { hypers?: unknown }).hypers) && Array.isArray((v as { params?: unknown }).params)],
    ['callbacks', (v) => !!v && typeof v === 'object'],
    ['files', (v) => !!v && typeof v === 'object'],
  ];
  for (const [k, ok] of need) if (!ok(s[k])) throw new Error(`${where}: field '${k}' is missing or invalid (got ${JSON.stringify(s[k])?.slice(0, 80)})`);
  return s as unknown as CheckpointState;
}

function isPosition(v: unknown): boolean {
  const p = v as { epoch?: unknown; phase?: unknown; iter?: unknown };
  return !!p && Number.isInteger(p.epoch) && (p.phase === 'train' || p.phase === 'valid') && Number.isInteger(p.iter);
}
