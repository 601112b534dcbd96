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
import * as fs from '../platform/fs.js';
import { createHash } from '../platform/crypto.js';
import * as path from '../platform/path.js';
import { TEMP_PREFIX, exists, tempPathFor, writeDirAtomic, writeFileAtomic } from './atomic-write.js';
import { describeFsError, fsFailure } from './fs-errors.js';
import type { CheckpointState } from './checkpoint-types.js';
import { stateChecksum, stateProblem } from './checkpoint-state.js';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  /** The weights, in PyTorch's names and layouts. */
  model: 'model.safetensors',
  /** The optimizer's tensors (momenta, Adam moments). */
  optimizer: 'optimizer.safetensors',
  /** Everything else (see `CheckpointState`). */
  state: 'state.json',
} as const;
/** Pointer file names in a checkpoint directory. */
export type PointerName = 'latest' | 'best';

/**
 * A checkpoint read from disk: its folder, parsed state and raw tensor files (checksums verified),
 * and a note when it was not found the ordinary way (`latest` missing: the newest complete one).
 */
export type CheckpointFiles = {
  /** The checkpoint's folder. */
  folder: string;
  /** Its parsed `state.json`. */
  state: CheckpointState;
  /** The bytes of `model.safetensors`. */
  model: Uint8Array;
  /** The bytes of `optimizer.safetensors`. */
  optimizer: Uint8Array;
  /** How it was found, when not the ordinary way (e.g. `latest` missing). */
  note?: string;
};

/**
 * The folder names tfai's checkpoints take: `epoch-0003`, `epoch-0002-train-0005`, with `-r1`, `-r2`
 * … when the name was taken.
 */
export const CHECKPOINT_NAME = /^epoch-\d{4,}(-(train|valid)-\d{4,})?(-r\d+)?$/;

/**
 * Whether `name` can name a checkpoint folder inside a checkpoint directory: a plain folder name
 * (no separators), not `.` / `..`, not hidden (temporaries and the lock start with a dot).
 */
export function isFolderName(name: string): boolean {
  return name.length > 0 && name === path.basename(name) && !name.includes('/') && !name.includes('\\') && !name.includes('\0') && !name.startsWith('.');
}

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
export async function writeCheckpointFolder(dir: string, files: { model: Uint8Array; optimizer: Uint8Array }, state: Omit<CheckpointState, 'files' | 'sha256'>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const full: CheckpointState = {
    ...state,
    files: {
      [CHECKPOINT_FILES.model]: { bytes: files.model.length, sha256: sha256(files.model) },
      [CHECKPOINT_FILES.optimizer]: { bytes: files.optimizer.length, sha256: sha256(files.optimizer) },
    },
  };
  full.sha256 = stateChecksum(JSON.parse(JSON.stringify(full)) as object); // of the state as it reads back
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

/**
 * The checkpoint name a pointer file holds, or null when there is no such pointer.
 * @throws Error naming the pointer when it holds anything but a plain folder name (`..`, a path,
 *   a hidden name, nothing).
 */
export async function readPointer(dir: string, which: PointerName): Promise<string | null> {
  const file = path.join(dir, which);
  let name: string;
  try {
    name = (await fs.readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsFailure('reading the checkpoint pointer', file, e);
  }
  if (!isFolderName(name)) {
    throw new Error(`checkpoint pointer '${file}' holds ${JSON.stringify(name.slice(0, 80))}, not the name of a checkpoint folder inside '${dir}' (a pointer holds a plain folder name such as 'epoch-0003')`);
  }
  return name;
}

/** The checkpoints in `dir` whose `state.json` parses, oldest first (by save counter). */
export async function listCheckpoints(dir: string): Promise<CheckpointState[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fsFailure('listing the checkpoint directory', dir, e);
  }
  const out: CheckpointState[] = [];
  for (const name of names) {
    if (!isFolderName(name)) continue;
    try {
      out.push(parseState(await fs.readFile(path.join(dir, name, CHECKPOINT_FILES.state), 'utf8'), path.join(dir, name)));
    } catch {
      // not a checkpoint folder (a pointer file, or a folder of something else)
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Delete checkpoint folder `<dir>/<name>` so that a crash half way leaves no half-deleted folder
 * under a checkpoint's name: it is first renamed to a temporary name (atomic), then removed (a
 * crash then leaves a temporary that `removeLeftovers` clears).
 */
export async function removeCheckpointFolder(dir: string, name: string): Promise<void> {
  const doomed = tempPathFor(path.join(dir, `deleted-${name}`));
  try {
    await fs.rename(path.join(dir, name), doomed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fsFailure('removing the old checkpoint', path.join(dir, name), e);
  }
  await fs.rm(doomed, { recursive: true, force: true });
}

/**
 * Why folder `<dir>/<name>` is certainly a half-deleted checkpoint — no `state.json`, or a file its
 * `state.json` lists missing or of another size — or null otherwise. A `state.json` that does not
 * parse (another version of tfai, a hand edit) is not a reason: such a folder is left alone. Sizes
 * only (no checksums): cheap.
 */
async function incompleteReason(dir: string, name: string): Promise<string | null> {
  const folder = path.join(dir, name);
  let text: string;
  try {
    text = await fs.readFile(path.join(folder, CHECKPOINT_FILES.state), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${CHECKPOINT_FILES.state}` : null;
  }
  let state: CheckpointState;
  try {
    state = parseState(text, folder);
  } catch {
    return null;
  }
  for (const [file, want] of Object.entries(state.files)) {
    const size = await fs.stat(path.join(folder, file)).then((st) => st.size, () => null);
    if (size === null) return `${file} is missing`;
    if (size !== want.bytes) return `${file} is ${size} bytes, state.json says ${want.bytes}`;
  }
  return null;
}

/**
 * Remove what a crash left half-deleted in checkpoint directory `dir`: folders with a checkpoint's
 * name (`CHECKPOINT_NAME`) that hold nothing but checkpoint files and are empty, or miss
 * `state.json`, or miss a file their `state.json` lists. A folder a pointer names, holding any
 * other file, or whose `state.json` this tfai cannot read, is never touched. Returns the removed
 * names, with why.
 */
export async function removeBrokenCheckpoints(dir: string): Promise<{ name: string; reason: string }[]> {
  let entries: import('../platform/fs.js').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const pointed = new Set<string>();
  for (const which of ['latest', 'best'] as const) {
    const name = await readPointer(dir, which).catch(() => null);
    if (name) pointed.add(name);
  }
  const known = new Set<string>(Object.values(CHECKPOINT_FILES));
  const removed: { name: string; reason: string }[] = [];
  for (const d of entries) {
    if (!d.isDirectory() || !CHECKPOINT_NAME.test(d.name) || pointed.has(d.name)) continue;
    const reason = await incompleteReason(dir, d.name);
    if (reason === null) continue;
    const inside = await fs.readdir(path.join(dir, d.name)).catch(() => null);
    if (inside === null || inside.some((f) => !known.has(f))) continue;
    await removeCheckpointFolder(dir, d.name);
    removed.push({ name: d.name, reason: inside.length ? reason : 'empty' });
  }
  return removed;
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
 * `latest`), or a pointer file (`<dir>/latest`, `<dir>/best`). A pointer must name a folder inside
 * its directory. A directory whose `latest` is gone resolves to its newest complete checkpoint.
 */
export async function resolveCheckpoint(p: string): Promise<string> {
  return (await locateCheckpoint(p)).folder;
}

/** A pointer's folder: `<dir>/<name>`, which must be a real folder (not a link) inside `dir`. */
async function pointedFolder(dir: string, which: PointerName, name: string): Promise<string> {
  const folder = path.join(dir, name);
  const st = await fs.lstat(folder).catch(() => null);
  if (!st || !st.isDirectory()) {
    const there = (await listCheckpoints(dir)).map((c) => c.name);
    throw new Error(
      `resume: the pointer '${path.join(dir, which)}' names '${name}', but '${folder}' ${st ? 'is not a folder' : 'does not exist'}` +
        ` (checkpoints in '${dir}': ${there.length ? there.join(', ') : 'none'}; give one of them as resume to use it)`,
    );
  }
  return folder;
}

/** As `resolveCheckpoint`, with a note when `latest` was missing and the newest complete one was taken. */
async function locateCheckpoint(p: string): Promise<{ folder: string; note?: string; files?: CheckpointFiles }> {
  let st;
  try {
    st = await fs.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`resume: no checkpoint at '${p}' (no such file or folder)`);
    throw fsFailure('resume: reading', p, e);
  }
  if (st.isFile()) {
    const which = path.basename(p);
    if (which !== 'latest' && which !== 'best') throw new Error(`resume: '${p}' is a file; give a checkpoint directory, a checkpoint folder, or its 'latest' / 'best' pointer`);
    const dir = path.dirname(p);
    return { folder: await pointedFolder(dir, which, (await readPointer(dir, which))!) };
  }
  if (await exists(path.join(p, CHECKPOINT_FILES.state))) return { folder: p };
  const name = await readPointer(p, 'latest');
  if (name !== null) return { folder: await pointedFolder(p, 'latest', name) };
  const all = await listCheckpoints(p);
  if (!all.length) throw new Error(`resume: '${p}' holds no checkpoint (no '${CHECKPOINT_FILES.state}', no 'latest' pointer and no checkpoint folder)`);
  const rejected: string[] = [];
  for (const c of [...all].reverse()) {
    const folder = path.join(p, c.name);
    let files: CheckpointFiles;
    try {
      files = await readVerified(folder);
    } catch (e) {
      rejected.push(`${c.name}: ${(e as Error).message}`);
      continue;
    }
    const skipped = rejected.length ? `; skipped newer incomplete ones: ${rejected.join('; ')}` : '';
    return { folder, files, note: `the 'latest' pointer of '${p}' is missing: resuming from its newest complete checkpoint '${c.name}' (of ${all.length})${skipped}` };
  }
  throw new Error(`resume: '${p}' has no 'latest' pointer and none of its ${all.length} checkpoint folders is complete: ${rejected.join('; ')}`);
}

/**
 * Read the checkpoint `p` designates (see `resolveCheckpoint`): `state.json` is parsed and checked,
 * and the tensor files are read and checked against its sizes and SHA-256 sums.
 * @throws Error naming the folder and the file at fault.
 */
export async function readCheckpointFiles(p: string): Promise<CheckpointFiles> {
  const { folder, note, files } = await locateCheckpoint(p);
  const read = files ?? (await readVerified(folder));
  return note ? { ...read, note } : read;
}

/** Read checkpoint folder `folder` and check its files against `state.json`. */
async function readVerified(folder: string): Promise<CheckpointFiles> {
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return await fs.readFile(path.join(folder, name));
    } catch (e) {
      throw new Error(`checkpoint '${folder}': cannot read ${name}: ${describeFsError(e)}`, { cause: e });
    }
  };
  const state = parseState(new TextDecoder().decode(await read(CHECKPOINT_FILES.state)), folder);
  if (state.sha256 !== undefined && state.sha256 !== stateChecksum(state)) {
    throw new Error(`checkpoint '${folder}': ${CHECKPOINT_FILES.state} does not match its SHA-256 (damaged, or edited by hand): refusing to resume from it`);
  }
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
  const problem = stateProblem(s);
  if (problem) throw new Error(`${where}: ${problem}`);
  return s as unknown as CheckpointState;
}
