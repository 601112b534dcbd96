/**
 * `state.json` checked whole: every field a resume reads is checked for its type and range (an
 * integer epoch >= 0, a generator state of finite numbers, a loader order of integers, …) so a
 * hand-edited or damaged file is refused, naming the field, before anything is loaded. And its
 * checksum: `sha256` is the SHA-256 of `JSON.stringify` of the state without that field (in the
 * file's key order), so damage or an edit of `state.json` is caught as one of the weights is.
 * Ranges that depend on the run (hyperparameter ranges of the optimizer, the callbacks' own
 * states, a loader's length) are checked by the core against the learner.
 */
import { createHash } from '../platform/crypto.js';

/** SHA-256 of the state without its `sha256` field, as written into `state.json`. */
export function stateChecksum(state: object): string {
  const rest = { ...(state as Record<string, unknown>) };
  delete rest.sha256;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

const shown = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 80);
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

/** Collects the first problem found, as `<field> must be …, got …`. */
class Problems {
  first: string | null = null;
  fail(field: string, want: string, got: unknown): void {
    this.first ??= `${field} must be ${want}, got ${shown(got)}`;
  }
  int(field: string, v: unknown, min: number): void {
    if (!isInt(v, min)) this.fail(field, `an integer >= ${min}`, v);
  }
}

/** A seedrandom alea state: `{ c, s0, s1, s2 }` of finite numbers. */
function checkAlea(p: Problems, field: string, v: unknown): void {
  if (!isObj(v) || !['c', 's0', 's1', 's2'].every((k) => k in v)) {
    p.fail(field, 'an object with c, s0, s1, s2 (a generator state)', v);
    return;
  }
  for (const k of ['c', 's0', 's1', 's2']) if (!Number.isFinite(v[k])) p.fail(`${field}.${k}`, 'a finite number', v[k]);
}

function checkLoader(p: Problems, field: string, v: unknown): void {
  if (v === null) return;
  if (!isObj(v)) return p.fail(field, "null or a loader's state ({ rng, order })", v);
  if (v.rng !== null && !(isObj(v.rng) && isObj(v.rng.alea))) p.fail(`${field}.rng`, "null or a shuffle generator's state ({ alea })", v.rng);
  else if (v.rng !== null) checkAlea(p, `${field}.rng.alea`, (v.rng as Record<string, unknown>).alea);
  if (v.order !== null && !(Array.isArray(v.order) && v.order.every((i) => isInt(i, 0)))) p.fail(`${field}.order`, 'null or an array of integers >= 0', v.order);
}

/**
 * Check the fields of a parsed `state.json` (after its format and version); returns the first
 * problem, or null when the state is usable.
 */
export function stateProblem(s: Record<string, unknown>): string | null {
  const p = new Problems();
  if (typeof s.name !== 'string') p.fail('name', 'a string', s.name);
  p.int('seq', s.seq, 0);
  p.int('epochs', s.epochs, 1);
  const pos = s.position;
  if (!isObj(pos)) p.fail('position', 'an object { epoch, phase, iter }', pos);
  else {
    p.int('position.epoch', pos.epoch, 0);
    if (pos.phase !== 'train' && pos.phase !== 'valid') p.fail('position.phase', "'train' or 'valid'", pos.phase);
    p.int('position.iter', pos.iter, 0);
  }
  if (!(typeof s.nEpochs === 'number' && Number.isFinite(s.nEpochs) && s.nEpochs >= 0)) p.fail('nEpochs', 'a finite number >= 0', s.nEpochs);
  p.int('nIter', s.nIter, 0);
  const rng = s.rng;
  if (!isObj(rng)) p.fail('rng', 'an object { seed, alea }', rng);
  else {
    if (!Number.isFinite(rng.seed)) p.fail('rng.seed', 'a finite number', rng.seed);
    checkAlea(p, 'rng.alea', rng.alea);
  }
  const loaders = s.loaders;
  if (!isObj(loaders)) p.fail('loaders', 'an object { train, valid }', loaders);
  else for (const k of ['train', 'valid']) checkLoader(p, `loaders.${k}`, loaders[k] === undefined ? null : loaders[k]);
  const opt = s.optimizer;
  if (!isObj(opt)) p.fail('optimizer', 'an object { type, hypers, step, paramSteps, params }', opt);
  else {
    if (typeof opt.type !== 'string') p.fail('optimizer.type', 'a string', opt.type);
    if (!Array.isArray(opt.hypers) || !opt.hypers.every(isObj)) p.fail('optimizer.hypers', 'an array of objects (one per parameter group)', opt.hypers);
    p.int('optimizer.step', opt.step, 0);
    if (!isObj(opt.paramSteps)) p.fail('optimizer.paramSteps', 'an object', opt.paramSteps);
    else for (const [k, v] of Object.entries(opt.paramSteps)) {
      if (!/^\d+\.\d+$/.test(k)) p.fail(`optimizer.paramSteps key '${k}'`, "'<group>.<index>'", k);
      p.int(`optimizer.paramSteps['${k}']`, v, 0);
    }
    if (!Array.isArray(opt.params) || !opt.params.every((g) => Array.isArray(g) && g.every((n) => typeof n === 'string'))) p.fail('optimizer.params', 'an array of arrays of parameter names', opt.params);
  }
  if (s.monitor !== null && s.monitor !== undefined && !(isObj(s.monitor) && typeof s.monitor.name === 'string' && Number.isFinite(s.monitor.value))) p.fail('monitor', 'null or { name, value }', s.monitor);
  if (!isObj(s.callbacks)) p.fail('callbacks', 'an object', s.callbacks);
  if (!isObj(s.files) || !Object.values(s.files).every((f) => isObj(f) && isInt(f.bytes, 0) && typeof f.sha256 === 'string')) p.fail('files', 'an object of { bytes, sha256 }', s.files);
  if (s.sha256 !== undefined && typeof s.sha256 !== 'string') p.fail('sha256', 'a string', s.sha256);
  return p.first;
}
