/**
 * TensorBoard event files: TFRecord framing (little-endian length, masked CRC32C of the length, the
 * record, masked CRC32C of the record) around `tensorflow.Event` protocol buffers, encoded with
 * protobufjs from the fields of TensorFlow's `event.proto` and `summary.proto` that scalars and
 * histograms need. What `tensorboard --logdir` reads.
 */
import * as fs from '../platform/fs.js';
import { hostname } from '../platform/process.js';
import * as path from '../platform/path.js';
import protobuf from 'protobufjs/light.js';
import CRC32C from 'crc-32/crc32c.js';

/** The subset of TensorFlow's `event.proto` / `summary.proto` written here (field numbers as TensorFlow's). */
const SCHEMA = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'SummaryValue', id: 1 } },
        },
        SummaryValue: {
          oneofs: { value: { oneof: ['simpleValue', 'histo'] } },
          fields: {
            tag: { type: 'string', id: 1 },
            simpleValue: { type: 'float', id: 2 },
            histo: { type: 'HistogramProto', id: 5 },
          },
        },
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: { packed: true } },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const EventType = root.lookupType('tensorflow.Event');

/** A histogram as TensorBoard's `HistogramProto`: bucket `i` counts values in `(bucketLimit[i-1], bucketLimit[i]]`. */
export type Histogram = { min: number; max: number; num: number; sum: number; sumSquares: number; bucketLimit: number[]; bucket: number[] };

/** One summary value: a scalar or a histogram under a tag. */
export type SummaryValue = { tag: string; simpleValue: number } | { tag: string; histo: Histogram };

/** One event: the file-version header, or summary values at a step. */
export type TBEvent = { wallTime: number; step: number; fileVersion?: string; summary?: { value: SummaryValue[] } };

/** `((crc >>> 15) | (crc << 17)) + 0xa282ead8` as TFRecord masks CRC32C checksums. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: `uint64 length`, `uint32 masked_crc32c(length)`, data, `uint32 masked_crc32c(data)`. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** An `Event` protocol buffer's bytes. */
export function encodeEvent(e: TBEvent): Uint8Array {
  return EventType.encode(EventType.fromObject(e)).finish();
}

/** A histogram of `values` with `bins` equal-width buckets between their min and max. */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram {
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0, num = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sumSquares += v * v;
    num++;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  const width = max > min ? (max - min) / bins : 1;
  const n = max > min ? bins : 1;
  const bucket = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    bucket[Math.min(n - 1, Math.floor((v - min) / width))]++;
  }
  const bucketLimit = Array.from({ length: n }, (_, i) => (i === n - 1 ? max : min + (i + 1) * width));
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}

/**
 * Appends events to one file `events.out.tfevents.<seconds>.<host>` in `logDir` (created if needed;
 * `.1`, `.2`, … is added if that name exists). `open` writes the `brain.Event:2` header record;
 * `write` appends records (each call one append, so a crash loses at most the pending call).
 */
export class EventFileWriter {
  /** The event file's path (after `open`). */
  file = '';

  constructor(readonly logDir: string) {}

  /** Create the file with its header record. */
  async open(): Promise<string> {
    await fs.mkdir(this.logDir, { recursive: true });
    const now = Date.now() / 1000;
    const base = path.join(this.logDir, `events.out.tfevents.${String(Math.floor(now)).padStart(10, '0')}.${hostname()}`);
    let file = base;
    for (let k = 1; await exists(file); k++) file = `${base}.${k}`;
    this.file = file;
    await fs.writeFile(file, tfRecord(encodeEvent({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' })), { flag: 'wx' });
    return file;
  }

  /** Append events. */
  async write(events: TBEvent[]): Promise<void> {
    if (!this.file) throw new Error('EventFileWriter: call open() before write()');
    if (events.length === 0) return;
    const records = events.map((e) => tfRecord(encodeEvent(e)));
    const all = new Uint8Array(records.reduce((a, r) => a + r.length, 0));
    let at = 0;
    for (const r of records) {
      all.set(r, at);
      at += r.length;
    }
    await fs.appendFile(this.file, all);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
