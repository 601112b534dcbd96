/**
 * `state.json` is not trusted: a hand-edited or damaged one is checked whole — position, counters,
 * optimizer hyperparameters and steps, RNG, loaders, and every callback's state (through the
 * `checkState` hook of the getState/setState contract) — before anything of the learner, the
 * callbacks or the files changes; and `state.json` is covered by a checksum as the weights are.
 * The resume also checks the checkpoint directory's lock before it loads anything, and `learn.load`
 * is refused while a fit trains the learner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback, EarlyStoppingCallback, ReduceLROnPlateau, Learner } from '../../src/index.js';
import type { JsonValue } from '../../src/index.js';
import { lockDir } from '../../src/io/index.js';
import { convLearner, trackingCbs } from '../fixtures/tiny-conv.js';

let root: string;
const quiet = (): void => {};
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-resume-check-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A callback with its own state and its own check (the contract user callbacks follow). */
class Counter extends Callback {
  count = 0;
  override afterEpoch(): void {
    this.count++;
  }
  override getState(): JsonValue {
    return { count: this.count };
  }
  override checkState(saved: JsonValue): void {
    const c = (saved as { count?: unknown })?.count;
    if (!Number.isInteger(c) || (c as number) < 0) throw new Error(`count must be an integer >= 0, got ${JSON.stringify(c)}`);
  }
  override setState(saved: JsonValue): void {
    this.count = (saved as { count: number }).count;
  }
}

/** A callback with state and no `checkState`: its `setState` fails on what it cannot use. */
class Unchecked extends Callback {
  items: number[] = [];
  override getState(): JsonValue {
    return { items: this.items };
  }
  override setState(saved: JsonValue): void {
    this.items = [...(saved as { items: number[] }).items];
  }
}

const cbs = (): Callback[] => [
  ...trackingCbs().cbs,
  new EarlyStoppingCallback({ patience: 10, log: quiet }),
  new ReduceLROnPlateau({ patience: 10, log: quiet }),
  new Counter(),
  new Unchecked(),
];

/** Values of every weight, buffer and optimizer state tensor, and the hyperparameters. */
async function snapshot(learn: Learner): Promise<unknown> {
  const sd = (learn.model as unknown as { stateDict(): Record<string, tf.Tensor> }).stateDict();
  const opt = learn.opt.stateDict();
  return {
    weights: await Promise.all(Object.values(sd).map(async (t) => Array.from(await t.data()))),
    opt: await Promise.all(Object.values(opt.state).map(async (t) => Array.from(await t.data()))),
    hypers: opt.hypers,
    step: opt.step,
  };
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Edit `state.json` of `<dir>/epoch-0002` with `edit` and sign it again (a consistent hand edit). */
async function editState(dir: string, edit: (s: Record<string, unknown>) => void, opts: { sign?: boolean } = {}): Promise<void> {
  const file = path.join(dir, 'epoch-0002', 'state.json');
  const s = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  edit(s);
  delete s.sha256;
  if (opts.sign ?? true) s.sha256 = sha256(JSON.stringify(s));
  await fs.writeFile(file, JSON.stringify(s, null, 1));
}

let base: string;
let n = 0;
async function copyOfBase(): Promise<string> {
  const d = path.join(root, `copy-${n++}`);
  await fs.cp(base, d, { recursive: true });
  return d;
}

/** Resume from `dir` into a fresh learner: refused with `msg`, nothing of the learner or the folder changed. */
async function expectRefused(dir: string, msg: RegExp | string): Promise<void> {
  const learn = convLearner({ seed: 9 });
  const before = await snapshot(learn);
  const folder = path.join(dir, 'epoch-0002');
  const files = await fs.readdir(folder);
  const bytes = await Promise.all(files.map((f) => fs.readFile(path.join(folder, f))));
  const counter = cbs();
  await expect(new Runner({ cbs: [...counter, new CheckpointCallback({ dir, log: quiet })], log: quiet, handleInterrupts: false }).fit(4, learn, { resume: dir })).rejects.toThrow(msg);
  expect(await snapshot(learn)).toEqual(before);
  expect((counter.find((c) => c instanceof Counter) as Counter).count).toBe(0);
  const after = await Promise.all(files.map((f) => fs.readFile(path.join(folder, f))));
  after.forEach((b, i) => expect(b.equals(bytes[i]), files[i]).toBe(true));
}

beforeAll(async () => {
  base = path.join(root, 'base');
  await new Runner({ cbs: [...cbs(), new CheckpointCallback({ dir: base, log: quiet })], log: quiet, handleInterrupts: false }).fit(2, convLearner());
});

describe('state.json is checked whole before anything changes', () => {
  const cases: [string, (s: Record<string, any>) => void, RegExp][] = [
    ['position.epoch -3', (s) => (s.position.epoch = -3), /state\.json: position\.epoch must be an integer >= 0, got -3/],
    ['position.iter 1.5', (s) => (s.position.iter = 1.5), /state\.json: position\.iter must be an integer >= 0, got 1\.5/],
    ['epochs 0', (s) => (s.epochs = 0), /state\.json: epochs must be an integer >= 1, got 0/],
    ['nIter -1', (s) => (s.nIter = -1), /state\.json: nIter must be an integer >= 0, got -1/],
    ['nEpochs "x"', (s) => (s.nEpochs = 'x'), /state\.json: nEpochs must be a finite number >= 0, got "x"/],
    ['lr -5', (s) => (s.optimizer.hypers[0].lr = -5), /state\.json: optimizer\.hypers\[0\]: hyperparameter 'lr' must be a finite number >= 0, got -5/],
    ['lr "abc"', (s) => (s.optimizer.hypers[0].lr = 'abc'), /optimizer\.hypers\[0\]: hyperparameter 'lr' must be a finite number >= 0, got "abc"/],
    ['momentum 7', (s) => (s.optimizer.hypers[0].mom = 7), /optimizer\.hypers\[0\]: hyperparameter 'mom' must be in \[0, 1\), got 7/],
    ['optimizer step -1', (s) => (s.optimizer.step = -1), /state\.json: optimizer\.step must be an integer >= 0, got -1/],
    ['a parameter step "x"', (s) => (s.optimizer.paramSteps['0.0'] = 'x'), /state\.json: optimizer\.paramSteps\['0\.0'\] must be an integer >= 0, got "x"/],
    ['rng state of strings', (s) => (s.rng = { seed: 1, alea: { c: 1, s0: 'x', s1: 0.5, s2: 0.5 } }), /state\.json: rng\.alea\.s0 must be a finite number, got "x"/],
    ['rng missing alea', (s) => (s.rng = { seed: 1 }), /state\.json: rng\.alea must be an object with c, s0, s1, s2/],
    ['loader rng of the wrong type', (s) => (s.loaders.train.rng = 5), /state\.json: loaders\.train\.rng must be null or a shuffle generator's state/],
    ['AvgStatsCallback history = 5', (s) => (s.callbacks.AvgStatsCallback.history = 5), /state\.json: callbacks\['AvgStatsCallback'\]: history must be an array, got 5/],
    ['Recorder losses "x"', (s) => (s.callbacks.Recorder.losses = 'x'), /state\.json: callbacks\['Recorder'\]: losses must be an array, got "x"/],
    ['EarlyStopping wait -1', (s) => (s.callbacks.EarlyStoppingCallback.wait = -1), /callbacks\['EarlyStoppingCallback'\]: wait must be an integer >= 0, got -1/],
    ['ReduceLROnPlateau scale for 2 groups', (s) => (s.callbacks.ReduceLROnPlateau.scale = [1, 1]), /callbacks\['ReduceLROnPlateau'\]: scale has 2 values for 1 parameter group/],
    ['a user callback with checkState', (s) => (s.callbacks.Counter = { count: -2 }), /state\.json: callbacks\['Counter'\]: count must be an integer >= 0, got -2/],
  ];
  for (const [what, edit, msg] of cases) {
    it(what, async () => {
      const dir = await copyOfBase();
      await editState(dir, edit);
      await expectRefused(dir, msg);
    });
  }

  it('a user callback without checkState whose setState fails: the error names the callback', async () => {
    const dir = await copyOfBase();
    await editState(dir, (s) => ((s.callbacks as Record<string, JsonValue>).Unchecked = { items: 3 }));
    const learn = convLearner({ seed: 9 });
    await expect(new Runner({ cbs: [...cbs(), new CheckpointCallback({ dir, log: quiet })], log: quiet, handleInterrupts: false }).fit(4, learn, { resume: dir })).rejects.toThrow(
      /resume: restoring the state of callback 'Unchecked' failed \(give Unchecked a checkState method so that such a state is refused before anything changes\): /,
    );
  });

  it('state.json is covered by a checksum: an edit that is not signed is refused as damaged', async () => {
    const dir = await copyOfBase();
    const file = path.join(dir, 'epoch-0002', 'state.json');
    const text = await fs.readFile(file, 'utf8');
    expect(text).toContain('"epochs": 2');
    await fs.writeFile(file, text.replace('"epochs": 2', '"epochs": 3'));
    await expectRefused(dir, /checkpoint '.*epoch-0002': state\.json does not match its SHA-256 \(damaged, or edited by hand\)/);
  });

  it('a state.json without a checksum (an earlier tfai) is still read, its content checked', async () => {
    const dir = await copyOfBase();
    await editState(dir, () => {}, { sign: false });
    await new Runner({ cbs: [...cbs(), new CheckpointCallback({ dir, log: quiet })], log: quiet, handleInterrupts: false }).fit(3, convLearner({ seed: 9 }), { resume: dir });
    const other = await copyOfBase();
    await editState(other, (s) => ((s.position as { epoch: number }).epoch = -1), { sign: false });
    await expectRefused(other, /position\.epoch must be an integer >= 0, got -1/);
  });

  it('the checkpoint written carries the checksum of its state', async () => {
    const s = JSON.parse(await fs.readFile(path.join(base, 'epoch-0002', 'state.json'), 'utf8')) as Record<string, unknown>;
    const { sha256: sum, ...rest } = s;
    expect(sum).toBe(sha256(JSON.stringify(rest)));
  });
});

describe('a mid-epoch checkpoint', () => {
  it("a loader order that is not a permutation of the dataset is refused, naming it", async () => {
    const dir = path.join(root, 'mid');
    class Stop extends Callback {
      override afterBatch(): void {
        if (this.run.inTrain && this.run.epoch === 1 && this.run.iter === 1) this.run.requestInterrupt();
      }
    }
    await new Runner({ cbs: [...cbs(), new CheckpointCallback({ dir, log: quiet }), new Stop()], log: quiet, handleInterrupts: false }).fit(3, convLearner());
    const name = (await fs.readFile(path.join(dir, 'latest'), 'utf8')).trim();
    expect(name).toBe('epoch-0001-train-0002');
    const file = path.join(dir, name, 'state.json');
    const st = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, any>;
    st.loaders.train.order[1] = st.loaders.train.order[0];
    delete st.sha256;
    st.sha256 = sha256(JSON.stringify(st));
    await fs.writeFile(file, JSON.stringify(st));
    const learn = convLearner({ seed: 9 });
    const before = await snapshot(learn);
    await expect(new Runner({ cbs: cbs(), log: quiet, handleInterrupts: false }).fit(3, learn, { resume: dir })).rejects.toThrow(
      /trainDl: DataLoader\.setState: the saved order is not a permutation of 0…47 \(index \d+\)/,
    );
    expect(await snapshot(learn)).toEqual(before);
  });
});

describe('the resume checks the lock first', () => {
  it('a directory locked by another fit is refused before the weights are loaded', async () => {
    const dir = await copyOfBase();
    const lock = await lockDir(dir, { by: 'another fit', log: quiet });
    try {
      await expectRefused(dir, /CheckpointCallback: the directory .* is in use by another fit/);
    } finally {
      await lock.release();
    }
  });
});

describe('learn.load during a fit', () => {
  it('is refused while the fit trains; allowed from the fit itself (a callback) and after it', async () => {
    const weightsFile = path.join(root, 'w.safetensors');
    const learn = convLearner();
    await learn.save(weightsFile);
    let attempted: Promise<unknown> | null = null;
    let fromCallback = false;
    class LoadInside extends Callback {
      override afterBatch(): void {
        attempted ??= learn.load(weightsFile).then(() => 'loaded', (e: Error) => e.message);
      }
      override async afterFit(): Promise<void> {
        await learn.load(weightsFile);
        fromCallback = true;
      }
    }
    // a load racing the fit from outside: started while the fit runs
    const run = new Runner({ cbs: [new LoadInside()], log: quiet, handleInterrupts: false });
    const fit = run.fit(1, learn);
    const outside = (async () => {
      await new Promise((r) => setImmediate(r));
      return learn.load(weightsFile).then(() => 'loaded', (e: Error) => e.message);
    })();
    await fit;
    expect(await outside).toMatch(/Learner\.load: this learner is being trained by a fit that has not finished; loading weights now would change them under the optimizer/);
    expect(await attempted).toBe('loaded'); // a callback of the fit may load
    expect(fromCallback).toBe(true);
    await learn.load(weightsFile);
  });
});
