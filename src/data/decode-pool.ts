/**
 * Decoding off the training thread (Node): a pool of worker threads, each running
 * `decode-worker.ts` with the native decoder, up to two batch jobs per worker at a time (the loader
 * keeps about two per worker queued, so the next batches decode while a step runs). Batches come back as
 * transferred buffers. Workers start on the first job, are held (`ref`) only while jobs are pending
 * so an idle pool never keeps the process alive, and a crashed worker fails its jobs with an error
 * and is replaced on the next one.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeBatch, decodeBatchSync, type BatchDecoder, type BatchJob, type BatchResult } from './batch-decoder.js';
import { nodeImageDecoder } from './node-image-decoder.js';
import { readBytesSync } from '../io/read-sync.js';

/**
 * The worker's module: next to this file when running from source (`.ts`, loaded through tsx), or
 * `data/decode-worker.js` beside the bundle's chunk in the built package.
 */
function workerModule(): URL {
  const candidates = [new URL('./decode-worker.ts', import.meta.url), new URL('./decode-worker.js', import.meta.url), new URL('./data/decode-worker.js', import.meta.url)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) throw new Error(`image decoding: the worker module is missing (looked for ${candidates.map((u) => fileURLToPath(u)).join(', ')}); is the package built?`);
  return found;
}

/** Starts the worker's module; TypeScript sources (tests, tsx scripts) get tsx's loader first. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.url.endsWith('.ts')) (await import('tsx/esm/api')).register();
  await import(workerData.url);
})().catch((e) => { setTimeout(() => { throw e; }); });
`;

/** The default number of decoding workers: cores − 1 (the training thread keeps one), 1 to 4. */
export function defaultDecodeWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
  job: BatchJob;
}

interface Slot {
  worker: Worker;
  /** Ids of the jobs sent to this worker and not answered yet (at most `JOBS_PER_WORKER`). */
  busy: number[];
}

/**
 * Jobs a worker holds at once: the one it decodes and the next, so it starts that one without
 * waiting for the training thread to hear of the first and send another.
 */
const JOBS_PER_WORKER = 2;

/** A `BatchDecoder` over `n` worker threads. */
export class WorkerPoolDecoder implements BatchDecoder {
  /** Number of worker threads. */
  readonly parallelism: number;
  private slots: Slot[] = [];
  private readonly queue: { id: number; job: BatchJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** @throws RangeError unless `workers` is an integer in [1, 64]. */
  constructor(workers: number) {
    if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new RangeError(`image decoding: workers must be an integer in [1, 64] (0 decodes on the training thread), got ${workers}`);
    this.parallelism = workers;
  }

  /** `N worker threads, <decoder>`. */
  get name(): string {
    return `${this.parallelism} worker thread${this.parallelism > 1 ? 's' : ''}, ${nodeImageDecoder().name}`;
  }

  /** Decode a batch on the first free worker (queued when all are busy). */
  decode(job: BatchJob): Promise<BatchResult> {
    const id = this.nextId++;
    // URL objects do not cross to a worker (Blobs and bytes are cloned): send their text
    if (job.sources.some((s) => s instanceof URL)) job = { ...job, sources: job.sources.map((s) => (s instanceof URL ? s.href : s)) };
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, job });
      this.queue.push({ id, job });
      this.pump();
    });
  }

  /** Decode a batch on the calling thread (for `getBatch`: interpretation pictures, sync loops). */
  decodeSync(job: BatchJob): BatchResult {
    return decodeBatchSync(job, nodeImageDecoder(), readBytesSync);
  }

  /** Terminate the workers; pending jobs fail. */
  close(): void {
    for (const s of this.slots) void s.worker.terminate();
    this.slots = [];
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error('image decoding: the dataset was disposed while a batch was decoding'));
    }
    this.queue.length = 0;
  }

  private start(): void {
    const url = workerModule().href;
    for (let i = 0; i < this.parallelism; i++) {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { url } });
      const slot: Slot = { worker, busy: [] };
      worker.on('message', (msg: { id?: number; result?: BatchResult; error?: string; ready?: string }) => {
        if (msg.id === undefined) return;
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        slot.busy = slot.busy.filter((id) => id !== msg.id);
        if (p) {
          if (msg.result) p.resolve(msg.result);
          else p.reject(new Error(`image decoding: ${msg.error}`));
        }
        this.pump();
      });
      worker.on('error', (e) => this.lost(slot, e));
      worker.on('exit', (code) => {
        if (this.slots.includes(slot)) this.lost(slot, new Error(`the worker thread exited with code ${code}`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** A worker died: fail its job, forget it (the next `pump` starts a full pool again). */
  private lost(slot: Slot, e: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    void slot.worker.terminate();
    for (const id of slot.busy) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.reject(new Error(`image decoding: a worker thread failed: ${e.message}`, { cause: e }));
    }
    if (this.slots.length === 0) {
      // every worker is gone (e.g. the module failed to load): fail what waits rather than hang
      for (const q of this.queue.splice(0)) {
        const p = this.pending.get(q.id);
        this.pending.delete(q.id);
        p?.reject(new Error(`image decoding: the worker threads failed: ${e.message}`, { cause: e }));
      }
    }
  }

  private pump(): void {
    if (this.slots.length === 0 && this.queue.length > 0) this.start();
    // one job to each worker before a second to any
    for (let round = 0; round < JOBS_PER_WORKER && this.queue.length > 0; round++) {
      for (const slot of this.slots) {
        if (slot.busy.length > round) continue;
        const next = this.queue.shift();
        if (!next) break;
        slot.busy.push(next.id);
        slot.worker.postMessage(next);
      }
    }
    // hold the process open exactly while work is pending
    const working = this.pending.size > 0;
    for (const s of this.slots) {
      if (working) s.worker.ref();
      else s.worker.unref();
    }
  }
}

/** A `BatchDecoder` on the calling thread (`workers: 0`): simplest, and what tests use. */
export class InlineDecoder implements BatchDecoder {
  /** One job at a time. */
  readonly parallelism = 1;

  /** `the training thread, <decoder>`. */
  get name(): string {
    return `the training thread, ${nodeImageDecoder().name}`;
  }

  /** Decode on this thread (file reads are asynchronous). */
  decode(job: BatchJob): Promise<BatchResult> {
    return decodeBatch(job, nodeImageDecoder());
  }

  /** Decode on this thread synchronously. */
  decodeSync(job: BatchJob): BatchResult {
    return decodeBatchSync(job, nodeImageDecoder(), readBytesSync);
  }

  /** Nothing to stop. */
  close(): void {}
}

/** The batch decoder for `workers` (0: the calling thread). */
export function createBatchDecoder(workers: number): BatchDecoder {
  return workers === 0 ? new InlineDecoder() : new WorkerPoolDecoder(workers);
}
