/**
 * Ctrl-C: in a child process that trains without pausing, the first SIGINT finishes the batch, writes a checkpoint, prints where
 * and how to resume, and `fit` returns normally (exit code 0) — and the checkpoint resumes; two
 * SIGINTs abort at once with exit code 130. SIGTERM and SIGHUP are treated the same way (exit codes
 * 143 and 129 on the second). In-process: no SIGINT listener outlives a fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, Runner, Callback, CheckpointCallback } from '../../src/index.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import { readCheckpointFiles } from '../../src/io/checkpoint-folder.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repo, 'test/fixtures/sigint-train.ts');
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-sigint-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/**
 * The pause after each batch in the tests that send a second signal: long, so that the second
 * signal always comes while the first batch is still under way, however loaded the machine (a child
 * that aborts as it should never waits for it).
 */
const LONG_BATCH_MS = 60_000;

type Child = { proc: ChildProcess; out: () => string; waitFor: (s: string, ms?: number) => Promise<void>; exited: Promise<{ code: number | null; signal: string | null }> };

function start(dir: string, msPerBatch: number, nTrain = 48): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, dir, String(msPerBatch), String(nTrain)], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: [string, () => void][] = [];
  const onData = (b: Buffer): void => {
    out += b.toString();
    for (const [s, done] of waiters) if (out.includes(s)) done();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  // 'close', not 'exit': the child's output may still be in the pipe when it has exited
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (s: string, ms = 60_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (out.includes(s)) return resolve();
      const t = setTimeout(() => reject(new Error(`child did not print '${s}' within ${ms} ms; output:\n${out}`)), ms);
      waiters.push([s, () => (clearTimeout(t), resolve())]);
      void exited.then(() => setTimeout(() => reject(new Error(`child exited before printing '${s}'; output:\n${out}`)), 50));
    });
  return { proc, out: () => out, waitFor, exited };
}

describe('SIGINT during fit (child process)', () => {
  it('first Ctrl-C, with the loop training flat out: at most one batch begins after the signal; saves a checkpoint, says how to resume, exits 0; the checkpoint resumes', async () => {
    // 400 batches an epoch and no pause anywhere: before the loop yielded to the event loop between
    // batches, the signal was seen only at the epoch's checkpoint write, hundreds of batches later.
    const nTrain = 4800;
    const dir = path.join(root, 'once');
    const child = start(dir, 0, nTrain);
    await child.waitFor('training started');
    await new Promise((r) => setTimeout(r, 100));
    child.proc.kill('SIGINT');
    // read the clock once the signal is queued: a batch the child began while this process was
    // descheduled between reading it and sending is not "after the signal"
    const sentAt = Number(process.hrtime.bigint()) / 1e6;
    const { code } = await child.exited;
    const out = child.out();
    expect(code, out).toBe(0);
    expect(out).toMatch(/tfai: interrupt received: finishing the current batch/);
    expect(out).toMatch(/tfai: training interrupted (in epoch \d+ of 10000, after (training|validation) batch \d|after epoch \d+ of 10000)/);
    expect(out).toMatch(/tfai: checkpoint saved to .*epoch-\d{4}/);
    expect(out).toMatch(/tfai: resume with: await run\.fit\(10000, learn, \{ resume: ".*once" \}\)/);
    expect(out).toMatch(/fit returned \(interrupted: true\); SIGINT listeners left: 0/);
    const starts = JSON.parse(out.match(/batch starts: (.*)/)![1]) as number[];
    const after = starts.filter((t) => t > sentAt).length;
    console.log(`SIGINT: ${after} batch(es) began after the signal (${starts.length} batches ran)`);
    expect(after, `batches that began after the signal`).toBeLessThanOrEqual(1);

    const ck = await readCheckpointFiles(dir);
    const saved = out.match(/checkpoint saved to (.*)/)![1].trim();
    expect(ck.folder).toBe(saved);
    const pos = ck.state.position;
    const learn = convLearner({ seed: 9, data: convData({ nTrain }) });
    const { rec, cbs } = trackingCbs();
    await new Runner({ cbs: [...cbs, new CheckpointCallback({ dir })], log: () => {} }).fit(pos.epoch + 1, learn, { resume: dir });
    expect(rec.losses).toHaveLength((pos.epoch + 1) * (nTrain / 12));
    rec.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
  });

  it('second Ctrl-C: aborts at once with exit code 130, without finishing the batch', async () => {
    const child = start(path.join(root, 'twice'), LONG_BATCH_MS);
    await child.waitFor('training started');
    child.proc.kill('SIGINT');
    await child.waitFor('interrupt received');
    child.proc.kill('SIGINT');
    const { code } = await child.exited;
    const out = child.out();
    expect(code, out).toBe(130);
    expect(out).toMatch(/tfai: second interrupt: aborting now \(exit code 130\)/);
    // the batch under way when the first signal came never finished (its pause never ended)
    expect(out.slice(out.indexOf('interrupt received')), out).not.toMatch(/batch \d+ finished/);
    expect(out).not.toMatch(/fit returned/);
  });
});

describe('SIGTERM and SIGHUP during fit are treated as Ctrl-C (child process)', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`first ${signal}: finishes the batch, saves a checkpoint, releases the lock, fit returns; a second aborts with ${code}`, async () => {
      const dir = path.join(root, signal);
      const child = start(dir, 20);
      await child.waitFor('training started');
      child.proc.kill(signal);
      const { code: exitCode, signal: killedBy } = await child.exited;
      const out = child.out();
      expect(killedBy, out).toBeNull();
      expect(exitCode, out).toBe(0);
      expect(out).toContain(`tfai: ${signal} received: finishing the current batch, then stopping (send ${signal} again to abort at once)`);
      expect(out).toMatch(/tfai: checkpoint saved to .*epoch-\d{4}/);
      expect(out).toMatch(/SIGTERM\/SIGHUP listeners left: 0; lock left: false/);
      expect((await readCheckpointFiles(dir)).folder).toBe(out.match(/checkpoint saved to (.*)/)![1].trim());

      const again = start(path.join(root, `${signal}-twice`), LONG_BATCH_MS);
      await again.waitFor('training started');
      again.proc.kill(signal);
      await again.waitFor(`${signal} received`);
      again.proc.kill(signal);
      const second = await again.exited;
      expect(second.code, again.out()).toBe(code);
      expect(again.out()).toContain(`tfai: second ${signal}: aborting now (exit code ${code})`);
      expect(existsSync(path.join(root, `${signal}-twice`, '.tfai-lock'))).toBe(false); // released on the way out
    });
  }
});

describe('SIGINT listener lifetime (in process)', () => {
  it('fit installs one listener and removes it, also when the fit fails', async () => {
    const before = process.listenerCount('SIGINT');
    let during = -1;
    class Peek extends Callback {
      override beginEpoch(): void {
        during = process.listenerCount('SIGINT');
      }
    }
    const run = new Runner({ cbs: [new Peek()], log: () => {} });
    await run.fit(1, convLearner());
    expect(during).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(before);
    class Boom extends Callback {
      override afterStep(): void {
        throw new Error('boom');
      }
    }
    await expect(new Runner({ cbs: [new Boom()], log: () => {} }).fit(1, convLearner())).rejects.toThrow('boom');
    expect(process.listenerCount('SIGINT')).toBe(before);
    await new Runner({ handleInterrupts: false, cbs: [new Peek()] }).fit(1, convLearner());
    expect(during).toBe(before);
  });

  it('without a CheckpointCallback an interrupt says nothing was saved', async () => {
    const log: string[] = [];
    class Stop extends Callback {
      override afterBatch(): void {
        if (this.run.iter === 1) this.run.requestInterrupt();
      }
    }
    const run = new Runner({ cbs: [new Stop()], log: (l) => log.push(l) });
    await run.fit(3, convLearner());
    expect(run.control.interrupted).toBe(true);
    expect(log).toEqual(['tfai: training interrupted in epoch 1 of 3, after training batch 2', 'tfai: no checkpoint was saved for this point (add a CheckpointCallback to save one on interrupt)']);
  });
});

describe('resume without a CheckpointCallback', () => {
  it('restores the core state and every callback state the checkpoint holds', async () => {
    const dir = path.join(root, 'bare');
    await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir })], log: () => {} }).fit(1, convLearner());
    const log: string[] = [];
    const { rec, cbs } = trackingCbs();
    await new Runner({ cbs, log: (l) => log.push(l) }).fit(2, convLearner({ seed: 4 }), { resume: dir });
    expect(rec.losses).toHaveLength(8); // the recorder's first epoch came back from the checkpoint
    expect(log.at(-1)).toMatch(/^tfai: resuming from .* at epoch 1, train batch 0$/);
  });
});
