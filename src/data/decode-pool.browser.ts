/**
 * Decoding in a page (the browser's `decode-pool.ts`): the browser's image decoder
 * (`canvas-image-decoder.ts`) already decodes off the page's thread, so the page keeps `n` batch
 * jobs going at once (the loader prefetches about twice as many) and only turns their pixels into
 * floats itself. Files and URLs are read asynchronously (`readBytes`); a page cannot decode
 * synchronously, so `getBatch` of an image dataset is not available there (`nextBatch` is).
 */
import type * as NodeDecodePool from './decode-pool.js';
import { decodeBatch, type BatchDecoder, type BatchJob, type BatchResult } from './batch-decoder.js';
import { canvasImageDecoder } from './canvas-image-decoder.js';
import { logicalCores } from '../platform/process.js';

export const defaultDecodeWorkers: typeof NodeDecodePool.defaultDecodeWorkers = () => Math.max(1, Math.min(4, logicalCores() - 1));

/** `n` batch jobs at once on the browser's image decoder. */
export class WorkerPoolDecoder implements BatchDecoder {
  /** Jobs at once. */
  readonly parallelism: number;

  /** @throws RangeError unless `workers` is an integer in [1, 64]. */
  constructor(workers: number) {
    if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new RangeError(`image decoding: workers must be an integer in [1, 64] (0 decodes one batch at a time), got ${workers}`);
    this.parallelism = workers;
  }

  /** `N jobs at once, <decoder>`. */
  get name(): string {
    return `${this.parallelism} job${this.parallelism > 1 ? 's' : ''} at once, ${canvasImageDecoder.name}`;
  }

  /** Decode a batch. */
  decode(job: BatchJob): Promise<BatchResult> {
    return decodeBatch(job, canvasImageDecoder);
  }

  /** A page cannot decode synchronously: says so (use `nextBatch`, or the loader, instead of `getBatch`). */
  decodeSync(): BatchResult {
    throw new Error('image decoding: a page decodes images asynchronously only; read batches through a DataLoader (or nextBatch), not getBatch');
  }

  /** Nothing to stop. */
  close(): void {}
}

/** One batch job at a time on the browser's image decoder (`workers: 0`). */
export class InlineDecoder implements BatchDecoder {
  /** One job at a time. */
  readonly parallelism = 1;

  /** `the page, <decoder>`. */
  get name(): string {
    return `the page, ${canvasImageDecoder.name}`;
  }

  /** Decode a batch. */
  decode(job: BatchJob): Promise<BatchResult> {
    return decodeBatch(job, canvasImageDecoder);
  }

  /** A page cannot decode synchronously: says so (use `nextBatch`, or the loader, instead of `getBatch`). */
  decodeSync(): BatchResult {
    throw new Error('image decoding: a page decodes images asynchronously only; read batches through a DataLoader (or nextBatch), not getBatch');
  }

  /** Nothing to stop. */
  close(): void {}
}

export const createBatchDecoder: typeof NodeDecodePool.createBatchDecoder = (workers) => (workers === 0 ? new InlineDecoder() : new WorkerPoolDecoder(workers));
