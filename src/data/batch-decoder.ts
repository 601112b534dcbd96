/**
 * A batch of image files to one float array: the job (sources, per-item seeds, the pipeline), the
 * result (the batch and the items that failed, with why), and the loop that does it with any
 * `ImageDecoder`. The same loop runs in Node's worker threads, on the calling thread, and (in a
 * browser build) in Web Workers; `BatchDecoder` is what the dataset holds of whichever runs it.
 */
import { describeSource, readBytes, type ByteSource } from '../io/byte-source.js';
import type { ImageDecoder } from './image-decoder.js';
import { loadItemInto, loadItemIntoSync, type ItemPipeline } from './image-item.js';
import { outputSize } from './item-plan.js';

/** One batch to decode. */
export interface BatchJob {
  /** Where each item's bytes are. */
  sources: ByteSource[];
  /** One 32-bit seed per item (its random transforms). */
  seeds: Uint32Array;
  /** How every item is made. */
  pipeline: ItemPipeline;
  /** Refuse files larger than this many bytes (default: no limit). */
  maxBytes?: number;
}

/** An item of a batch that could not be read or decoded. */
export interface FailedItem {
  /** Its position in the job. */
  pos: number;
  /** The error message (naming the file). */
  message: string;
}

/** A decoded batch: `x` holds every item's slot (`h × w × channels` floats); failed slots are zeros. */
export interface BatchResult {
  /** `sources.length × h × w × channels` floats in [0, 1], HWC per item. */
  x: Float32Array;
  /** The items that could not be read or decoded: position in the job and the error message (naming the file). */
  failed: FailedItem[];
}

/** Runs batch jobs somewhere (worker threads, the calling thread, Web Workers). */
export interface BatchDecoder {
  /** What decodes and where, e.g. `2 worker threads, @napi-rs/image`. */
  readonly name: string;
  /** Number of jobs that can run at once (the loader prefetches about twice as many batches). */
  readonly parallelism: number;
  /** Decode a batch. */
  decode(job: BatchJob): Promise<BatchResult>;
  /** Decode a batch on the calling thread, when the platform can read and decode synchronously. */
  decodeSync?(job: BatchJob): BatchResult;
  /** Stop whatever it started (worker threads); later jobs start it again. */
  close(): void;
}

/** Floats per item of a pipeline. */
export function itemSize(pipeline: ItemPipeline): number {
  const hw = outputSize(pipeline.tfms);
  if (!hw) throw new Error('item transforms: the pipeline needs a Resize or RandomResizedCrop to give every item one size');
  return hw[0] * hw[1] * pipeline.channels;
}

/**
 * Decode `job` with `decoder` on this thread, reading the files asynchronously: the next file is
 * read while this one decodes, so the thread does not wait for the disk between images.
 */
export async function decodeBatch(job: BatchJob, decoder: ImageDecoder): Promise<BatchResult> {
  const size = itemSize(job.pipeline);
  const x = new Float32Array(job.sources.length * size);
  const failed: BatchResult['failed'] = [];
  const read = (i: number): Promise<Uint8Array> => {
    const p = readBytes(job.sources[i], { maxBytes: job.maxBytes });
    p.catch(() => {}); // its error is the item's, handled when awaited
    return p;
  };
  let ahead = job.sources.length > 0 ? read(0) : undefined;
  for (let i = 0; i < job.sources.length; i++) {
    const src = job.sources[i];
    const reading = ahead!;
    ahead = i + 1 < job.sources.length ? read(i + 1) : undefined;
    try {
      const bytes = await reading;
      await loadItemInto(bytes, describeSource(src), job.pipeline, job.seeds[i], decoder, x, i * size);
    } catch (e) {
      x.fill(0, i * size, (i + 1) * size);
      failed.push({ pos: i, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { x, failed };
}

/** Decode `job` synchronously, with a reader of bytes that answers synchronously. */
export function decodeBatchSync(job: BatchJob, decoder: ImageDecoder, readSync: (src: ByteSource, maxBytes?: number) => Uint8Array): BatchResult {
  const size = itemSize(job.pipeline);
  const x = new Float32Array(job.sources.length * size);
  const failed: BatchResult['failed'] = [];
  for (let i = 0; i < job.sources.length; i++) {
    const src = job.sources[i];
    try {
      loadItemIntoSync(readSync(src, job.maxBytes), describeSource(src), job.pipeline, job.seeds[i], decoder, x, i * size);
    } catch (e) {
      x.fill(0, i * size, (i + 1) * size);
      failed.push({ pos: i, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { x, failed };
}
