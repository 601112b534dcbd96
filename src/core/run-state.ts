/**
 * Capturing a fit's state for a checkpoint, and checking and applying one when a fit resumes:
 * model weights, optimizer state (moments, step counts, hyperparameters), the fit's RNG stream, the
 * loaders' shuffle generators and mid-epoch order, and the runner's position and counters.
 */
import { tf } from '../backend/tf.js';
import { getRngState, setRngState } from './rng.js';
import { encodeSafetensors, decodeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { Learner } from './learner.js';
import type { StatefulCallback } from './stateful-callback.js';
import type { OptimizerState } from './optim/optimizer.js';
import type { StateDict } from '../io/persistable.js';
import { asModule, decodeWeights, encodeWeights } from '../io/weights-file.js';
import { CHECKPOINT_FILES, readCheckpointFiles } from '../io/checkpoint-folder.js';
import type { CheckpointState, JsonValue, LoaderState, OptimizerMeta, ResumableLoader, RunPosition } from '../io/checkpoint-types.js';
import * as path from '../platform/path.js';

/** Everything a checkpoint holds of a run but the file bookkeeping (name, counter, monitor, checksums). */
export type CapturedRun = {
  model: Uint8Array;
  optimizer: Uint8Array;
  state: Pick<CheckpointState, 'epochs' | 'position' | 'nEpochs' | 'nIter' | 'rng' | 'loaders' | 'optimizer' | 'backend' | 'callbacks'>;
};

/** What a runner exposes for capture (a structural slice of `Runner`). */
export type RunView = { learn: Learner; epochs: number; control: { position: RunPosition }; nEpochs: number; nIter: number; cbs: StatefulCallback[] };

/**
 * Each callback with a key that is stable across runs of the same script: its class name, and
 * `Name#1`, `Name#2` for later callbacks of the same class.
 */
export function callbackKeys(cbs: StatefulCallback[]): [string, StatefulCallback][] {
  const seen = new Map<string, number>();
  return cbs.map((cb) => {
    const n = seen.get(cb.name) ?? 0;
    seen.set(cb.name, n + 1);
    return [n ? `${cb.name}#${n}` : cb.name, cb];
  });
}

/** The states of the callbacks that keep one (`getState` / `setState`), by `callbackKeys`. */
async function callbackStates(cbs: StatefulCallback[]): Promise<Record<string, JsonValue>> {
  const out: Record<string, JsonValue> = {};
  for (const [key, cb] of callbackKeys(cbs)) if (cb.getState && cb.setState) out[key] = await cb.getState();
  return out;
}

function isResumable(dl: unknown): dl is ResumableLoader {
  const d = dl as Partial<ResumableLoader>;
  return typeof d.getState === 'function' && typeof d.setState === 'function' && typeof d.checkState === 'function';
}

/** Each optimizer group's parameters by state-dict key. */
function paramNames(learn: Learner): string[][] {
  const model = asModule(learn.model, 'checkpoint');
  const names = new Map<tf.Variable, string>(model.namedParameters().map(([k, v]) => [v, k]));
  return learn.opt.paramGroups.map((g) => g.params.map((p) => names.get(p) ?? `(not in the model: ${p.name})`));
}

/** Read everything a checkpoint needs from the run (tensors are read from the device). */
export async function captureRun(run: RunView): Promise<CapturedRun> {
  const { learn } = run;
  const pos = run.control.position;
  const model = await encodeWeights(asModule(learn.model, 'checkpoint'));
  const sd = learn.opt.stateDict();
  const optTensors: [string, TensorToWrite][] = [];
  for (const [k, t] of Object.entries(sd.state)) {
    const data = (await t.data()) as Float32Array | Int32Array;
    optTensors.push([k, { shape: [...t.shape], data, dtype: t.dtype === 'int32' ? 'I32' : 'F32' }]);
  }
  const optimizer: OptimizerMeta = { type: learn.opt.constructor.name, hypers: sd.hypers, step: sd.step, paramSteps: sd.paramSteps, params: paramNames(learn) };
  const loader = (dl: unknown, mid: boolean): LoaderState | null => (isResumable(dl) ? dl.getState({ withOrder: mid }) : null);
  return {
    model,
    optimizer: encodeSafetensors(optTensors, { format: 'tfai-optimizer' }),
    state: {
      epochs: run.epochs,
      position: { ...pos },
      nEpochs: run.nEpochs,
      nIter: run.nIter,
      rng: getRngState(),
      loaders: {
        train: loader(learn.data.trainDl, pos.phase === 'train' && pos.iter > 0),
        valid: loader(learn.data.validDl, pos.phase === 'valid' && pos.iter > 0),
      },
      optimizer,
      backend: tf.getBackend(),
      callbacks: await callbackStates(run.cbs),
    },
  };
}

/** A checkpoint read and checked against a learner, ready to apply. */
export type PreparedResume = {
  folder: string;
  state: CheckpointState;
  /** Why this checkpoint was taken when it was not found the ordinary way (`latest` missing). */
  note?: string;
  /** Write the weights, optimizer state, RNG and loader states (then frees the staged tensors). */
  apply(): void;
  /** Free the staged tensors without applying them. */
  dispose(): void;
};

/**
 * Read the checkpoint `p` designates and check all of it against `learn` and a fit of `epochs`
 * epochs — files, weights (keys and shapes), optimizer (type, groups, parameters, state shapes),
 * loaders, position — before anything is changed.
 * @throws Error naming the checkpoint and what does not fit; nothing has been modified.
 */
export async function prepareResume(p: string, learn: Learner, epochs: number, cbs: StatefulCallback[] = []): Promise<PreparedResume> {
  const files = await readCheckpointFiles(p);
  const { folder, state } = files;
  const where = `resume from '${folder}'`;
  const stateFile = path.join(folder, CHECKPOINT_FILES.state);
  const pos = state.position;
  if (pos.epoch >= epochs) throw new RangeError(`${where}: the checkpoint is at epoch ${pos.epoch} (${pos.epoch} epochs done), so fit(${epochs}) has nothing left to train; ask for more epochs`);
  checkHypers(learn, state.optimizer, stateFile);
  checkCallbackStates(cbs, state, stateFile);
  const model = asModule(learn.model, where);
  const staged: tf.Tensor[] = [];
  try {
    const weights: StateDict = decodeWeights(model, files.model, path.join(folder, CHECKPOINT_FILES.model));
    staged.push(...Object.values(weights));
    const optState = decodeOptimizer(learn, state.optimizer, files.optimizer, path.join(folder, CHECKPOINT_FILES.optimizer));
    staged.push(...Object.values(optState.state));
    const loaders = checkLoaders(learn, state, where);
    let live = true;
    const dispose = (): void => {
      if (live) tf.dispose(staged);
      live = false;
    };
    return {
      folder,
      state,
      note: files.note,
      dispose,
      apply(): void {
        try {
          model.loadStateDict(weights);
          learn.opt.loadStateDict(optState);
          for (const [dl, s, resumeAt] of loaders) dl.setState(s, { resumeAt });
          setRngState(state.rng);
        } finally {
          dispose();
        }
      },
    };
  } catch (e) {
    tf.dispose(staged);
    throw e;
  }
}

/** Each group's saved hyperparameters against the optimizer's ranges (lr -5, momentum 7, "abc" are refused). */
function checkHypers(learn: Learner, meta: OptimizerMeta, stateFile: string): void {
  meta.hypers.forEach((h, g) => {
    for (const [name, v] of Object.entries(h)) learn.opt.checkHyper(name, v, `${stateFile}: optimizer.hypers[${g}]`);
  });
}

/** Every saved callback state against its callback's `checkState` (those that have one). */
function checkCallbackStates(cbs: StatefulCallback[], state: CheckpointState, stateFile: string): void {
  for (const [key, cb] of callbackKeys(cbs)) {
    const saved = state.callbacks[key];
    if (saved === undefined || !cb.setState || !cb.checkState) continue;
    try {
      cb.checkState(saved);
    } catch (e) {
      throw new Error(`${stateFile}: callbacks['${key}']: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

function decodeOptimizer(learn: Learner, meta: OptimizerMeta, bytes: Uint8Array, source: string): OptimizerState {
  const opt = learn.opt;
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (meta.type !== opt.constructor.name) fail(`the checkpoint's optimizer is ${meta.type}, the learner's is ${opt.constructor.name}`);
  if (meta.hypers.length !== opt.paramGroups.length) fail(`the checkpoint has ${meta.hypers.length} parameter groups, the optimizer ${opt.paramGroups.length}`);
  const names = paramNames(learn);
  meta.hypers.forEach((h, g) => {
    const want = opt.hyperNames.slice().sort().join(', ');
    if (Object.keys(h).sort().join(', ') !== want) fail(`group ${g} has hyperparameters ${Object.keys(h).join(', ')}, the optimizer ${opt.hyperNames.join(', ')}`);
    const saved = meta.params[g] ?? [];
    const i = names[g].findIndex((n, j) => n !== saved[j]);
    if (i >= 0 || saved.length !== names[g].length) {
      const j = i >= 0 ? i : Math.min(saved.length, names[g].length);
      fail(`parameter ${j} of group ${g} is '${saved[j] ?? '(none)'}' in the checkpoint but '${names[g][j] ?? '(none)'}' in the learner (a different model or splitter)`);
    }
  });
  for (const key of Object.keys(meta.paramSteps)) {
    const [g, i] = key.split('.').map(Number);
    if (!opt.paramGroups[g]?.params[i]) fail(`the step count '${key}' in state.json names no parameter (group ${g}, index ${i})`);
  }
  const file = decodeSafetensors(bytes, source);
  const state: Record<string, tf.Tensor> = {};
  try {
    for (const [key, t] of file.tensors) {
      const [g, i] = key.split('.').map(Number);
      const param = opt.paramGroups[g]?.params[i];
      if (!param) fail(`state '${key}' names no parameter (group ${g}, index ${i})`);
      if (!tf.util.arraysEqual(param!.shape, t.shape)) fail(`state '${key}' has shape [${t.shape.join(', ')}] but parameter '${names[g][i]}' is [${param!.shape.join(', ')}]`);
      state[key] = tf.tensor(t.data, t.shape, t.data instanceof Float32Array ? 'float32' : 'int32');
    }
  } catch (e) {
    tf.dispose(Object.values(state));
    throw e;
  }
  return { hypers: meta.hypers, state, step: meta.step, paramSteps: meta.paramSteps };
}

/** Check each loader's saved state; returns what to apply: loader, state, batch to resume at. */
function checkLoaders(learn: Learner, state: CheckpointState, where: string): [ResumableLoader, LoaderState, number][] {
  const out: [ResumableLoader, LoaderState, number][] = [];
  const pos = state.position;
  for (const phase of ['train', 'valid'] as const) {
    const dl: unknown = phase === 'train' ? learn.data.trainDl : learn.data.validDl;
    const saved = state.loaders[phase];
    const resumeAt = pos.phase === phase ? pos.iter : 0;
    const len = (dl as { length: number }).length;
    if (pos.phase === phase && resumeAt > len) throw new Error(`${where}: the checkpoint stopped at ${phase} batch ${resumeAt} but ${phase}Dl has only ${len} batches (different data or batch size?)`);
    if (saved === null) {
      if (resumeAt > 0) throw new Error(`${where}: the checkpoint stopped in the middle of a ${phase} epoch but holds no state for ${phase}Dl (it was not a tfai DataLoader), so it cannot resume mid-epoch`);
      continue;
    }
    if (!isResumable(dl)) throw new Error(`${where}: the checkpoint holds a state for ${phase}Dl but this ${phase}Dl has no getState/setState (use a tfai DataLoader)`);
    try {
      dl.checkState(saved, { resumeAt });
    } catch (e) {
      throw new Error(`${where}: ${phase}Dl: ${(e as Error).message}`);
    }
    out.push([dl, saved, resumeAt]);
  }
  return out;
}
