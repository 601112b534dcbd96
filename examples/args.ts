/** Tiny `--name value` parser shared by the examples (they import only the public API otherwise). */
import { parseArgs } from 'node:util';

/** Parse `--key value` flags into numbers/strings with defaults; a boolean default makes a bare `--key` switch. */
export function flags<T extends Record<string, string | number | boolean>>(defaults: T): T {
  const options = Object.fromEntries(Object.entries(defaults).map(([k, d]) => [k, { type: typeof d === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  const { values } = parseArgs({ options, allowPositionals: false, strict: true });
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const def = defaults[k];
    if (typeof def === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new RangeError(`--${k} must be a number, got '${v}'`);
      out[k] = n;
    } else out[k] = v;
  }
  return out as T;
}
