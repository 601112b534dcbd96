import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tf, Runner, AvgStatsCallback, ProgressCallback, Callback, accuracy } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';
import { VTScreen } from '../helpers/vt-screen.js';
import type { ProgressRenderer, ProgressSnapshot, ProgressStream } from '../../src/ui/progress-renderer.js';
import { registerProgressRenderer } from '../../src/ui/progress-renderers.js';

/** A stream that collects what is written, chunk by chunk. */
function fakeStream(isTTY: boolean, columns = 100): ProgressStream & { text: string; chunks: string[] } {
  const s = {
    text: '',
    chunks: [] as string[],
    isTTY,
    columns,
    write(chunk: string): boolean {
      s.text += chunk;
      s.chunks.push(chunk);
      return true;
    },
  };
  return s;
}

/** Each screen a terminal of `cols` × `rows` showed while `chunks` arrived: `lines()` after each chunk. */
function screens(chunks: string[], cols: number, rows = 30): { vt: VTScreen; shots: string[][] } {
  const vt = new VTScreen(cols, rows);
  const shots = chunks.map((c) => {
    vt.feed(c);
    return vt.lines();
  });
  return { vt, shots };
}

/** A table row of `epoch train_loss valid_loss accuracy time`, and nothing else on the line. */
const ROW = /^\d+ +\d+\.\d{6} +\d+\.\d{6} +\d+\.\d{6} +\d\d:\d\d$/;
const HEADER = /^epoch +train_loss +valid_loss +accuracy +time$/;
const EPOCH_BAR = /^epoch +\d+\/\d+ [█▏▎▍▌▋▊▉░]+ +\d+% \[\d\d:\d\d<(--|\d\d:\d\d)\]$/;
const BATCH_BAR = /^(train|valid) +\d+\/\d+ [█▏▎▍▌▋▊▉░]+ +\d+% \[\d\d:\d\d<(--|\d\d:\d\d), (--|\d+(\.\d+)?) (it\/s|s\/it)\]( loss \d+\.\d{4}  accuracy \d\.\d{4})?$/;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ProgressCallback', () => {
  it('prints a header and one plain row per epoch when the stream is not a TTY', async () => {
    const out = fakeStream(false);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(3, tinyLearner());
    expect(out.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/); // no ESC, no CR, nothing but text and \n
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(/\s+/)).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(/\s+/);
      expect(cells).toHaveLength(5);
      expect(cells[0]).toBe(String(e));
      expect(Number(cells[1])).toBeCloseTo(stats.history[e].train[0], 5);
      expect(Number(cells[2])).toBeCloseTo(stats.history[e].valid[0], 5);
      expect(Number(cells[3])).toBeCloseTo(stats.history[e].valid[1], 5);
      expect(cells[4]).toMatch(/^\d\d:\d\d$/);
    });
  });

  it('without AvgStatsCallback prints epoch and time only', async () => {
    const out = fakeStream(false);
    await new Runner({ cbs: [new ProgressCallback({ stream: out })] }).fit(2, tinyLearner());
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/).length)).toEqual([2, 2, 2]);
    expect(lines[0]).toMatch(/^epoch\s+time$/);
  });

  it('in a terminal, the table rows above the bars stay clean at every moment, and the fit ends with the table and the epoch bar', async () => {
    const out = fakeStream(true, 100);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(3, tinyLearner());
    const { vt, shots } = screens(out.chunks, 100);
    for (const shot of shots) {
      const bars = shot.filter((l) => l.startsWith('epoch ') && !HEADER.test(l));
      expect(bars.length).toBeLessThanOrEqual(1);
      for (const l of shot) {
        expect(l.length).toBeLessThan(100);
        if (/^\d/.test(l)) expect(l).toMatch(ROW); // a row never keeps the end of a bar
        else if (/^(train|valid) /.test(l)) expect(l).toMatch(BATCH_BAR);
        else if (l.startsWith('epoch')) expect(l).toMatch(HEADER.test(l) ? HEADER : EPOCH_BAR);
        else expect(l).toBe('');
      }
      const liveStart = shot.findIndex((l) => EPOCH_BAR.test(l)); // the bars are the last lines
      if (liveStart >= 0) expect(shot.slice(liveStart + 1).every((l) => BATCH_BAR.test(l))).toBe(true);
    }
    const final = vt.lines();
    expect(final).toHaveLength(5);
    expect(final[0]).toMatch(HEADER);
    final.slice(1, 4).forEach((l, e) => {
      const cells = l.split(/ +/);
      expect(cells[0]).toBe(String(e));
      expect(Number(cells[1])).toBeCloseTo(stats.history[e].train[0], 6);
      expect(Number(cells[3])).toBeCloseTo(stats.history[e].valid[1], 6);
    });
    expect(final[4]).toMatch(/^epoch 3\/3 █{30} 100% \[\d\d:\d\d<00:00\]$/);
    expect(vt.cursor).toEqual({ row: 5, col: 0 }); // on a fresh line under the display
  });

  it('the batch bar shows -- for ETA and rate until a batch was timed, then a time and it/s, and the running loss and metrics', async () => {
    const out = fakeStream(true, 120);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(2, tinyLearner());
    const { shots } = screens(out.chunks, 120);
    const batchLines = shots.map((s) => s.find((l) => /^(train|valid) /.test(l))).filter((l): l is string => !!l);
    const starts = batchLines.filter((l) => / 0\/\d+ /.test(l));
    expect(starts.length).toBe(4); // train and valid, two epochs
    for (const l of starts) expect(l).toMatch(/\[00:00<--, -- it\/s\]$/); // nothing stale from the previous phase
    const timed = batchLines.filter((l) => !/ 0\/\d+ /.test(l));
    expect(timed.length).toBeGreaterThan(0);
    for (const l of timed) expect(l).toMatch(/<\d\d:\d\d, \d+(\.\d+)? (it\/s|s\/it)\] loss \d+\.\d{4}  accuracy \d\.\d{4}$/);
    // The last training bar of epoch 0 shows the epoch's running averages, i.e. the table's train_loss.
    const lastTrain = batchLines.filter((l) => l.startsWith('train 4/4')).at(0);
    expect(lastTrain).toContain(`loss ${stats.history[0].train[0].toFixed(4)}  accuracy ${stats.history[0].train[1].toFixed(4)}`);
    const lastValid = batchLines.filter((l) => l.startsWith('valid 2/2')).at(-1);
    expect(lastValid).toContain(`loss ${stats.history[1].valid[0].toFixed(4)}  accuracy ${stats.history[1].valid[1].toFixed(4)}`);
  });

  it('the epoch bar has no ETA until an epoch finished, then one from the epochs timed', async () => {
    const out = fakeStream(true, 100);
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(3, tinyLearner());
    const { shots } = screens(out.chunks, 100);
    const epochBars = shots.map((s) => s.find((l) => EPOCH_BAR.test(l))).filter((l): l is string => !!l);
    expect(epochBars.filter((l) => l.startsWith('epoch 0/3')).every((l) => l.endsWith('<--]'))).toBe(true);
    expect(epochBars.filter((l) => /^epoch [12]\/3/.test(l)).every((l) => /<\d\d:\d\d\]$/.test(l))).toBe(true);
  });

  it('on a clock: the batch rate and ETA follow the recent batches, the fit ETA leaves the slow first epoch out', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    class Clock extends Callback {
      override order = 5;
      override afterBatch(): void {
        clock += this.run.epoch === 0 ? 1000 : 100; // epoch 0: 1 s a batch (warm-up), then 0.1 s
      }
    }
    const out = fakeStream(true, 120);
    await new Runner({ cbs: [new Clock(), new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(4, tinyLearner());
    const { shots } = screens(out.chunks, 120);
    const shown = (re: RegExp): string[] => shots.map((s) => s.find((l) => re.test(l))).filter((l): l is string => !!l);
    expect(shown(/^train 1\/4 /)[0]).toMatch(/\[00:01<00:03, 1\.00 it\/s\]/);
    // Epoch 1: the rate is measured on its own batches (a new meter per loader): 10 it/s, 3 batches left.
    expect(shown(/^train 1\/4 /)[1]).toMatch(/\[00:00<00:00, 10\.0 it\/s\]/);
    // Epoch times 6 s, 0.6 s, 0.6 s: at the start of epoch 3, 1 epoch left at 0.6 s (not the 2.4 s mean of all three).
    expect(shown(/^epoch 1\/4 /)[0]).toMatch(/<00:18\]$/); // only epoch 0 timed yet: 3 × 6 s
    expect(shown(/^epoch 3\/4 /)[0]).toMatch(/<00:01\]$/);
    expect(shown(/^epoch 3\/4 /)[0]).toMatch(/^epoch 3\/4 .*\[00:07</); // 6 + 0.6 + 0.6 s elapsed
  });

  it('reads the running numbers from the device only when it redraws, asynchronously, never with dataSync', async () => {
    class Counting extends Callback {
      calls = 0;
      override async runningMetrics(): Promise<Record<string, number>> {
        this.calls++;
        return { train_x: 1 };
      }
    }
    const sync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false })] }).fit(2, tinyLearner());
    const baseline = sync.mock.calls.length + arraySync.mock.calls.length; // the runner's own input checks
    sync.mockClear();
    arraySync.mockClear();
    const never = new Counting();
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), never, new ProgressCallback({ stream: fakeStream(true), throttleMs: 1e9 })] }).fit(2, tinyLearner());
    expect(never.calls).toBe(0); // no redraw was due: nothing read
    const every = new Counting();
    const out = fakeStream(true);
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), every, new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(2, tinyLearner());
    expect(every.calls).toBe(2 * (4 + 2)); // one read per redraw, one redraw per batch at throttleMs 0
    expect(sync.mock.calls.length + arraySync.mock.calls.length).toBe(2 * baseline); // none of the display's
    expect(out.text).toContain(' x 1.0000'); // every provider's numbers are shown, phase prefix dropped
  });

  it('without a callback publishing running numbers, shows the last batch loss', async () => {
    const out = fakeStream(true);
    await new Runner({ cbs: [new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(1, tinyLearner());
    const { shots } = screens(out.chunks, 100);
    expect(shots.some((s) => s.some((l) => /^train +\d\/4 .*\] batch_loss \d+\.\d{4}$/.test(l)))).toBe(true);
  });

  it('keeps the bars within a narrow terminal (no wrapped line), the table rows still whole', async () => {
    const out = fakeStream(true, 44);
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback({ stream: out, throttleMs: 0 })] }).fit(2, tinyLearner());
    const { vt, shots } = screens(out.chunks, 44);
    for (const shot of shots) {
      const live = shot.slice(shot.findIndex((l) => /^epoch +\d+\/\d+ /.test(l)));
      for (const l of live) expect(l.length).toBeLessThanOrEqual(43);
    }
    // The 48-character header and rows wrap onto a second row, as any long line does; nothing else is there.
    const rows = vt.lines();
    expect(rows).toHaveLength(7);
    const unwrapped = [0, 2, 4].map((i) => rows[i].padEnd(44) + rows[i + 1]);
    expect(unwrapped[0]).toMatch(HEADER);
    expect(unwrapped[1]).toMatch(ROW);
    expect(unwrapped[2]).toMatch(ROW);
    expect(rows[6]).toMatch(/^epoch 2\/2 █+ 100% \[\d\d:\d\d<00:00\]$/);
  });

  it('write(line) prints above the bars, and a fit that throws still leaves the terminal clean', async () => {
    const out = fakeStream(true);
    const progress = new ProgressCallback({ stream: out, throttleMs: 0 });
    class Boom extends Callback {
      override afterBatch(): void {
        if (this.run.epoch === 1 && this.run.inTrain && this.run.iter === 0) progress.write('a message from epoch 1');
        if (this.run.epoch === 1 && this.run.inTrain && this.run.iter === 2) throw new Error('boom');
      }
    }
    await expect(new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new Boom(), progress] }).fit(3, tinyLearner())).rejects.toThrow('boom');
    const { vt } = screens(out.chunks, 100);
    const lines = vt.lines();
    expect(lines[0]).toMatch(HEADER);
    expect(lines[1]).toMatch(ROW);
    expect(lines[2]).toBe('a message from epoch 1');
    expect(lines[3]).toMatch(/^1 +\d+\.\d{6} +- +- +\d\d:\d\d$/); // the epoch cut short: what ran of it
    expect(lines[4]).toMatch(/^epoch 1\/3 .*\[\d\d:\d\d<\d\d:\d\d\]$/); // not counted as done
    expect(lines).toHaveLength(5); // the batch bar is gone
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('hands a fit to its renderer in order: begin, updates (a live one only), a row per epoch, messages, end', async () => {
    const calls: string[] = [];
    const snapshots: ProgressSnapshot[] = [];
    const recorder = (live: boolean): ProgressRenderer => ({
      live,
      begin: (fit) => calls.push(`begin ${fit.columns.join(' ')} ${fit.epochs}`),
      update: (now) => {
        calls.push('update');
        snapshots.push(now);
      },
      epochRow: (cells, now) => calls.push(`row ${cells.slice(0, -1).map((c) => (/^\d\.\d{6}$/.test(c) ? 'x' : c)).join(' ')} ${now.epoch.done}/${now.epoch.total}`),
      message: (line, now) => calls.push(`message ${line} ${now ? 'in fit' : 'outside'}`),
      end: (now) => calls.push(`end ${now.epoch.done}/${now.epoch.total}`),
    });
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const progress = new ProgressCallback({ renderer: recorder(false), throttleMs: 0 });
    progress.write('before');
    await new Runner({ cbs: [stats, progress] }).fit(2, tinyLearner());
    expect(calls).toEqual([
      'message before outside',
      'begin epoch train_loss valid_loss accuracy time 2',
      'row 0 x x x 1/2',
      'row 1 x x x 2/2',
      'end 2/2',
    ]);
    calls.length = 0;
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback({ renderer: recorder(true), throttleMs: 0 })] }).fit(1, tinyLearner());
    expect(calls[0]).toMatch(/^begin /);
    expect(calls.filter((c) => c === 'update').length).toBeGreaterThan(2);
    expect(calls.at(-1)).toBe('end 1/1');
    const timed = snapshots.filter((s) => s.batch && s.batch.done > 0);
    expect(timed.length).toBeGreaterThan(0);
    for (const s of timed) expect(Object.keys(s.batch!.metrics)).toEqual(['loss', 'accuracy']);
  });

  it('picks the newest registered renderer that applies, unless given a stream or a renderer', () => {
    const mine: ProgressRenderer = { live: false, begin() {}, update() {}, epochRow() {}, message() {}, end() {} };
    const remove = [
      registerProgressRenderer({ name: 'elsewhere', applies: () => false, create: () => { throw new Error('not here'); } }),
      registerProgressRenderer({ name: 'here', applies: () => true, create: () => mine }),
    ];
    try {
      const lines: string[] = [];
      mine.message = (l) => lines.push(l);
      new ProgressCallback().write('to mine');
      const out = fakeStream(false);
      new ProgressCallback({ stream: out }).write('to the stream');
      expect(lines).toEqual(['to mine']);
      expect(out.text).toBe('to the stream\n');
    } finally {
      remove.forEach((r) => r());
    }
  });

  it('rejects bad options, naming them', () => {
    expect(() => new ProgressCallback({ throttleMs: -1 })).toThrow(/throttleMs/);
    expect(() => new ProgressCallback({ stream: {} as ProgressStream })).toThrow(/stream/);
  });
});

describe('AvgStatsCallback.runningMetrics', () => {
  it("is the current phase's batch-size-weighted mean so far, under the epoch-metric names", async () => {
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const seen: { inTrain: boolean; expected: number; got: Record<string, number> }[] = [];
    const sums = { train: [0, 0], valid: [0, 0] };
    class Probe extends Callback {
      override order = 10;
      override beginEpoch(): void {
        sums.train = [0, 0];
        sums.valid = [0, 0];
      }
      override async afterBatch(): Promise<void> {
        const bs = this.run.yb.shape[0];
        const s = this.run.inTrain ? sums.train : sums.valid;
        s[0] += (await this.run.loss.data())[0] * bs;
        s[1] += bs;
        seen.push({ inTrain: this.run.inTrain, expected: s[0] / s[1], got: await stats.runningMetrics() });
      }
    }
    await new Runner({ cbs: [stats, new Probe()] }).fit(2, tinyLearner());
    expect(seen).toHaveLength(2 * (4 + 2));
    for (const { inTrain, expected, got } of seen) {
      const phase = inTrain ? 'train' : 'valid';
      expect(Object.keys(got)).toEqual([`${phase}_loss`, `${phase}_accuracy`]);
      expect(got[`${phase}_loss`]).toBeCloseTo(expected, 5);
    }
    expect(seen.at(-1)?.got.valid_accuracy).toBeCloseTo(stats.history[1].valid[1], 6);
  });
});
