/**
 * `tfai/io`: files on disk — any source of bytes read one way (`readBytes`: a path, URL, Blob or
 * bytes), safetensors (PyTorch-compatible weights), PyTorch's own `.pth` files (read through a
 * restricted unpickler), atomic writes, weights files in PyTorch names and layouts, and checkpoint
 * folders. The notebook-level calls (`learn.save`,
 * `learn.load`, `CheckpointCallback`, `fit(…, { resume })`) are on the main entry; this sub-path is
 * for tools that read or write those files themselves.
 *
 * @module tfai/io
 */
export { encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors, SafetensorsError, type SafetensorsDtype, type WritableDtype, type HostTensor, type TensorToWrite, type SafetensorsContents } from './safetensors.js';
export { writeFileAtomic, writeDirAtomic, fsyncDir, type FileContents } from './atomic-write.js';
export { saveWeights, loadWeights, encodeWeights, decodeWeights, decodeWeightsFile } from './weights-file.js';
export { loadTorchStateDict, decodeTorchStateDict, looksLikeTorchFile, TorchFileError, type TorchTensor, type TorchDtype } from './torch-file.js';
export { PickleError, ALLOWED_GLOBALS } from './restricted-pickle.js';
export { ZipError } from './zip-entries.js';
export { fileBlob, downloadFile } from './page-files.js';
export { layoutKinds, torchShape, type LayoutKind } from './torch-layout.js';
export type { StateDict, Persistable, LayoutAware } from './persistable.js';
export { readCheckpointFiles, resolveCheckpoint, listCheckpoints, CHECKPOINT_FILES, type CheckpointFiles } from './checkpoint-folder.js';
export type { CheckpointState, RunPosition, JsonValue, LoaderState, ResumableLoader, OptimizerMeta, SavedRngState } from './checkpoint-types.js';
export { lockDir, DirLock, LOCK_FILE, type LockOwner, type LockDirOptions } from './dir-lock.js';
export { readBytes, describeSource, type ByteSource, type ReadBytesOptions } from './byte-source.js';
