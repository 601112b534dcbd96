/**
 * Model weights as one safetensors file in PyTorch names and layouts (what `learn.save` /
 * `learn.load` and checkpoints use). Loading validates the whole file, then the keys and shapes
 * against the model, before a single value is written. Loading also reads PyTorch's own `.pth`
 * files (`torch.save` of a state dict), told apart by their first bytes.
 */
import { tf } from '../backend/tf.js';
import { isPersistable, type Persistable, type StateDict } from './persistable.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsContents } from './safetensors.js';
import { asHostTensors, decodeTorchStateDict, looksLikeTorchFile } from './torch-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { fromTorchTensors, toTorchTensors } from './torch-layout.js';
import * as fs from '../platform/fs.js';
import * as path from '../platform/path.js';
import { fsFailure } from './fs-errors.js';
import { describeSource, readBytes, type ByteSource } from './byte-source.js';
import { CHECKPOINT_FILES, resolveCheckpoint } from './checkpoint-folder.js';

/** Metadata written into every weights file (`format: pt` is what Hugging Face tools expect). */
const WEIGHTS_METADATA = { format: 'pt', writer: 'tfai' };

/** Throw unless `model` is a tfai `Module` (weights files need its state dict and module tree). */
export function asModule(model: unknown, where: string): Persistable {
  if (!isPersistable(model)) throw new TypeError(`${where}: the model must be a tfai Module (with stateDict and namedModules), got ${String((model as object)?.constructor?.name ?? model)}`);
  return model;
}

/** The model's weights encoded as a safetensors file (PyTorch names and layouts). */
export async function encodeWeights(model: Persistable, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  return encodeSafetensors(await toTorchTensors(model), { ...WEIGHTS_METADATA, ...metadata });
}

/** Write the model's weights to `file` atomically (an existing file survives any failure). */
export async function saveWeights(model: Persistable, file: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, await encodeWeights(model, metadata));
}

/**
 * The tensors of a weights file in PyTorch names and layouts: safetensors, or a `torch.save`
 * `.pth` / `.pt` (zip or legacy), recognised by its first bytes whatever its name.
 */
export function decodeWeightsFile(bytes: Uint8Array, source: string): SafetensorsContents {
  if (looksLikeTorchFile(bytes)) return { tensors: asHostTensors(decodeTorchStateDict(bytes, source)), metadata: {} };
  return decodeSafetensors(bytes, source);
}

/**
 * Decode `bytes` (from `source`: safetensors or a PyTorch `.pth`) and check them against `model`;
 * returns new tensors in tfai layout for `model.loadStateDict` (the caller disposes them). The
 * model is not touched.
 */
export function decodeWeights(model: Persistable, bytes: Uint8Array, source: string, opts: { strict?: boolean } = {}): StateDict {
  return fromTorchTensors(model, decodeWeightsFile(bytes, source), source, opts);
}

/**
 * Load weights (safetensors, or a PyTorch `.pth`) into `model` from `source`: a file, a URL, a
 * `Blob` / `File` (in a page, from an `<input type="file">`), or bytes. The file is validated
 * completely, then its keys and shapes against the model, and only then written. On any error the
 * model is unchanged.
 * @throws Error naming the source and what failed: missing, unreadable, a folder (for a checkpoint
 *   directory or folder, naming the weights file inside it to load), or not a valid weights file.
 */
export async function loadWeights(model: Persistable, source: ByteSource, opts: { strict?: boolean } = {}): Promise<void> {
  const name = describeSource(source);
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(source);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new Error(await folderMessage(name), { cause: e });
    // a file's system error in words (`reading 'x' failed: no such file or folder (ENOENT, open)`)
    if ((e as NodeJS.ErrnoException).code && (e as Error).cause) throw fsFailure('loading weights: reading', name, (e as Error).cause);
    throw new Error(`loading weights: ${(e as Error).message}`, { cause: e });
  }
  const sd = decodeWeights(model, bytes, name, opts);
  try {
    model.loadStateDict(sd, opts);
  } finally {
    tf.dispose(Object.values(sd));
  }
}

/** What to say when `loadWeights` is given a folder: which weights file to give instead. */
async function folderMessage(dir: string): Promise<string> {
  const head = `loading weights: '${dir}' is a folder, not a weights file (.safetensors or .pth)`;
  const folder = await resolveCheckpoint(dir).catch(() => null);
  if (folder === null) return `${head}; give the path of a file written by learn.save, PyTorch's safetensors or torch.save`;
  const weights = path.join(folder, CHECKPOINT_FILES.model);
  return `${head}. It holds a checkpoint: to load its weights give '${weights}'; to continue its training use run.fit(epochs, learn, { resume: ${JSON.stringify(dir)} })`;
}
