/**
 * Checks of a callback's saved state (JSON read back from a checkpoint's `state.json`, possibly
 * damaged or edited by hand), for the `checkState` hook: each throws naming the field and what it
 * must be (`history must be an array, got 5`).
 */
import type { JsonValue } from '../io/checkpoint-types.js';

const shown = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 60);

function fail(field: string, want: string, got: unknown): never {
  throw new TypeError(`${field} must be ${want}, got ${shown(got)}`);
}

/** `v` as an object with (at least) `keys`. */
export function stateObject(v: JsonValue | undefined, keys: string[], field = 'the state'): Record<string, JsonValue> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(field, `an object with ${keys.join(', ')}`, v);
  const o = v as Record<string, JsonValue>;
  for (const k of keys) if (!(k in o)) fail(`${field === 'the state' ? '' : `${field}.`}${k}`, 'present', undefined);
  return o;
}

/** An integer >= `min`. */
export function stateInt(field: string, v: unknown, min = 0): number {
  if (!Number.isInteger(v) || (v as number) < min) fail(field, `an integer >= ${min}`, v);
  return v as number;
}

/** A number (`null` allowed with `nullable`: JSON writes NaN and ±Infinity as null). */
export function stateNumber(field: string, v: unknown, opts: { nullable?: boolean } = {}): number | null {
  if (v === null && opts.nullable) return null;
  if (typeof v !== 'number') fail(field, opts.nullable ? 'a number or null' : 'a number', v);
  return v as number;
}

/** An array of numbers (or nulls: NaN and ±Infinity as JSON writes them), of `length` when given. */
export function stateNumbers(field: string, v: unknown, opts: { length?: number; what?: string } = {}): number[] {
  if (!Array.isArray(v)) fail(field, 'an array', v);
  const a = v as unknown[];
  if (!a.every((x) => x === null || typeof x === 'number')) fail(field, 'an array of numbers', v);
  if (opts.length !== undefined && a.length !== opts.length) {
    throw new RangeError(`${field} has ${a.length} values for ${opts.length} ${opts.what ?? 'entries'}`);
  }
  return a as number[];
}

/** An array (of anything; check its items yourself). */
export function stateArray(field: string, v: unknown): JsonValue[] {
  if (!Array.isArray(v)) fail(field, 'an array', v);
  return v as JsonValue[];
}
