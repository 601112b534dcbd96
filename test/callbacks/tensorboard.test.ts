/**
 * TensorBoardCallback: the event file read back with an independent decoder — our own TFRecord
 * reader and bitwise CRC32C (not the `crc-32` package the writer uses), and `@bufbuild/protobuf`'s
 * wire reader (not protobufjs) decoding `Event` / `Summary` / `HistogramProto` by TensorFlow's field numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { tf, Runner, AvgStatsCallback, Recorder, TensorBoardCallback, accuracy, sgd } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-tb-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** CRC32C, bit by bit (Castagnoli polynomial, reflected 0x82F63B78). */
function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const mask = (crc: number): number => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Every record of a TFRecord file, checking both CRCs of each. */
function records(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (at < buf.length) {
    const len = Number(view.getBigUint64(at, true));
    expect(view.getUint32(at + 8, true), `length CRC of record ${out.length}`).toBe(mask(crc32c(buf.subarray(at, at + 8))));
    const data = buf.subarray(at + 12, at + 12 + len);
    expect(data.length).toBe(len);
    expect(view.getUint32(at + 12 + len, true), `data CRC of record ${out.length}`).toBe(mask(crc32c(data)));
    out.push(data);
    at += 12 + len + 4;
  }
  expect(at).toBe(buf.length);
  return out;
}

type Histo = { min: number; max: number; num: number; sum: number; sumSquares: number; bucketLimit: number[]; bucket: number[] };
type Value = { tag: string; simple?: number; histo?: Histo };
type Event = { wallTime: number; step: number; fileVersion?: string; values?: Value[] };

function packedDoubles(r: BinaryReader, wt: WireType): number[] {
  if (wt !== WireType.LengthDelimited) return [r.double()];
  const end = r.uint32() + r.pos;
  const out: number[] = [];
  while (r.pos < end) out.push(r.double());
  return out;
}

function decodeHisto(bytes: Uint8Array): Histo {
  const r = new BinaryReader(bytes);
  const h: Histo = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1) h.min = r.double();
    else if (f === 2) h.max = r.double();
    else if (f === 3) h.num = r.double();
    else if (f === 4) h.sum = r.double();
    else if (f === 5) h.sumSquares = r.double();
    else if (f === 6) h.bucketLimit.push(...packedDoubles(r, wt));
    else if (f === 7) h.bucket.push(...packedDoubles(r, wt));
    else r.skip(wt);
  }
  return h;
}

function decodeValue(bytes: Uint8Array): Value {
  const r = new BinaryReader(bytes);
  const v: Value = { tag: '' };
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1) v.tag = r.string();
    else if (f === 2) v.simple = r.float();
    else if (f === 5) v.histo = decodeHisto(r.bytes());
    else r.skip(wt);
  }
  return v;
}

function decodeEvent(bytes: Uint8Array): Event {
  const r = new BinaryReader(bytes);
  const e: Event = { wallTime: 0, step: 0 };
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1) e.wallTime = r.double();
    else if (f === 2) e.step = Number(r.int64());
    else if (f === 3) e.fileVersion = r.string();
    else if (f === 5) {
      const s = new BinaryReader(r.bytes());
      e.values = [];
      while (s.pos < s.len) {
        const [sf, swt] = s.tag();
        if (sf === 1) e.values.push(decodeValue(s.bytes()));
        else s.skip(swt);
      }
    } else r.skip(wt);
  }
  return e;
}

describe('TensorBoardCallback', () => {
  it('the test CRC32C is CRC-32C (check value of "123456789")', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('writes a TensorBoard event file: header, per-batch loss and lr, per-epoch metrics, weight histograms', async () => {
    const logDir = path.join(root, 'run1');
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const rec = new Recorder();
    const tb = new TensorBoardCallback({ logDir, histograms: true });
    const learn = tinyLearner(undefined, { optFunc: sgd({ mom: 0.9 }) });
    const run = new Runner({ cbs: [stats, rec, tb], handleInterrupts: false });
    const n0 = tf.memory().numTensors;
    await run.fit(2, learn);
    expect(tf.memory().numTensors).toBe(n0 + 3 + 4); // + the optimizer's lr/mom/wd scalars and 4 momentum buffers

    const files = await fs.readdir(logDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${os.hostname().replace(/[.]/g, '\\.')}$`));
    expect(path.join(logDir, files[0])).toBe(tb.file);
    const events = records(new Uint8Array(await fs.readFile(tb.file))).map(decodeEvent);

    // header
    expect(events[0].fileVersion).toBe('brain.Event:2');
    expect(events[0].step).toBe(0);
    expect(Math.abs(events[0].wallTime - Date.now() / 1000)).toBeLessThan(120);

    // 8 training batches: loss, lr_0, mom_0, wd_0 at steps 1..8, equal to the Recorder's (float32)
    const batch = events.filter((e) => e.values?.some((v) => v.tag === 'batch/train_loss'));
    expect(batch.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    batch.forEach((e, i) => {
      const val = (tag: string): number | undefined => e.values!.find((v) => v.tag === tag)?.simple;
      expect(val('batch/train_loss')).toBeCloseTo(rec.losses[i], 5);
      expect(val('batch/lr_0')).toBeCloseTo(0.1, 6);
      expect(val('batch/mom_0')).toBeCloseTo(0.9, 6);
      expect(val('batch/wd_0')).toBe(0);
    });

    // per epoch: the named metrics at step = epoch
    const epochs = events.filter((e) => e.values?.some((v) => v.tag === 'epoch/valid_loss'));
    expect(epochs.map((e) => e.step)).toEqual([0, 1]);
    epochs.forEach((e, i) => {
      const tags = Object.fromEntries(e.values!.map((v) => [v.tag, v.simple]));
      expect(Object.keys(tags).sort()).toEqual(['epoch/time', 'epoch/train_accuracy', 'epoch/train_loss', 'epoch/valid_accuracy', 'epoch/valid_loss']);
      expect(tags['epoch/valid_loss']).toBeCloseTo(stats.history[i].valid[0], 5);
      expect(tags['epoch/valid_accuracy']).toBeCloseTo(stats.history[i].valid[1], 5);
      expect(tags['epoch/train_loss']).toBeCloseTo(stats.history[i].train[0], 5);
    });

    // weight histograms after the last epoch equal the weights' own statistics
    const histos = events.filter((e) => e.values?.some((v) => v.histo));
    expect(histos.map((e) => e.step)).toEqual([0, 1]);
    const last = histos[1].values!;
    expect(last.map((v) => v.tag)).toEqual(['weights/0.weight', 'weights/0.bias', 'weights/2.weight', 'weights/2.bias']);
    const w = Array.from(await learn.model.parameters()[0].data());
    const h = last[0].histo!;
    expect(h.num).toBe(w.length);
    expect(h.min).toBeCloseTo(Math.min(...w), 6);
    expect(h.max).toBeCloseTo(Math.max(...w), 6);
    expect(h.sum).toBeCloseTo(w.reduce((a, b) => a + b, 0), 5);
    expect(h.sumSquares).toBeCloseTo(w.reduce((a, b) => a + b * b, 0), 5);
    expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(w.length);
    expect(h.bucketLimit).toHaveLength(h.bucket.length);
    expect(h.bucketLimit.at(-1)).toBe(h.max);
  });

  it('a second fit writes a second file; batchScalars: false writes epochs only', async () => {
    const logDir = path.join(root, 'run2');
    const tb = new TensorBoardCallback({ logDir, batchScalars: false });
    const run = new Runner({ cbs: [new AvgStatsCallback([], { print: false }), tb], handleInterrupts: false });
    await run.fit(1, tinyLearner());
    const first = tb.file;
    await run.fit(1, tinyLearner());
    expect(tb.file).not.toBe(first);
    expect(await fs.readdir(logDir)).toHaveLength(2);
    const events = records(new Uint8Array(await fs.readFile(tb.file))).map(decodeEvent);
    expect(events).toHaveLength(2);
    expect(events[1].values!.map((v) => v.tag).sort()).toEqual(['epoch/time', 'epoch/train_loss', 'epoch/valid_loss']);
    expect(() => new TensorBoardCallback({ logDir: '' })).toThrow(/TensorBoardCallback: logDir \(the run directory\) is required/);
  });
});
