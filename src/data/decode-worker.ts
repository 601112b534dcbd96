/**
 * The body of a decoding worker thread (Node): takes `{ id, job }` messages, decodes each batch with
 * this process's `ImageDecoder`, and answers `{ id, result }` with the batch's buffer transferred,
 * not copied. Imports nothing of TF.js.
 */
import { parentPort } from 'node:worker_threads';
import { decodeBatch, type BatchJob } from './batch-decoder.js';
import { nodeImageDecoder } from './node-image-decoder.js';

/** Serve decoding jobs on this worker's port (called when the module loads in a worker). */
export function serveDecodeJobs(): void {
  const port = parentPort;
  if (!port) throw new Error('decode-worker: not running in a worker thread');
  const decoder = nodeImageDecoder();
  port.on('message', (msg: { id: number; job: BatchJob }) => {
    decodeBatch(msg.job, decoder).then(
      (result) => port.postMessage({ id: msg.id, result }, [result.x.buffer as ArrayBuffer]),
      (e: unknown) => port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  port.postMessage({ ready: decoder.name });
}

if (parentPort) serveDecodeJobs();
