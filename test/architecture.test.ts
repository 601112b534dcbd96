/** The import directions of ARCHITECTURE.md, checked over every source file. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');
/** Every folder may import `platform/` (Node's built-ins behind browser stand-ins); it imports nothing of tfai. */
const ALLOWED: Record<string, string[]> = {
  platform: [],
  backend: ['platform'],
  io: ['backend', 'platform'],
  core: ['backend', 'io', 'platform'],
  plot: ['platform'],
  ui: ['plot', 'platform'],
  models: ['backend', 'io', 'core', 'platform'],
  data: ['backend', 'io', 'core', 'plot', 'ui', 'platform'],
  hooks: ['backend', 'core', 'models', 'plot', 'ui', 'platform'],
  callbacks: ['backend', 'io', 'core', 'models', 'plot', 'ui', 'platform'],
  interpret: ['backend', 'core', 'data', 'plot', 'ui', 'platform'],
  transfer: ['backend', 'io', 'core', 'models', 'callbacks', 'platform'],
};

/** Packages that only run in Node (native add-ons, or built on Node's streams and file system). */
const NODE_ONLY_PACKAGES = ['tar', '@resvg/resvg-js', 'pngjs', '@napi-rs/image', 'webgpu'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('every folder imports only the folders ARCHITECTURE.md allows, and TF.js only in backend/', () => {
    const bad: string[] = [];
    for (const f of files(src)) {
      const from = relative(src, f).split('/')[0];
      if (!(from in ALLOWED)) continue; // index.ts: the public entry may import anything
      const text = readFileSync(f, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (spec.startsWith('.')) {
          const to = relative(src, resolve(dirname(f), spec)).split('/')[0];
          if (to !== from && !ALLOWED[from].includes(to)) bad.push(`${relative(src, f)} imports ${to}/ (${spec})`);
        } else if (spec.startsWith('@tensorflow/') && from !== 'backend') {
          bad.push(`${relative(src, f)} imports ${spec} directly (use backend/tf.js)`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('every folder of src/ is in the table (a new folder needs its line here and in ARCHITECTURE.md)', () => {
    const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
    const doc = readFileSync(join(src, '..', 'ARCHITECTURE.md'), 'utf8');
    for (const f of folders) expect(doc, `ARCHITECTURE.md's table names ${f}/`).toContain(`| \`${f}/\` |`);
  });

  it('callbacks/ holds callbacks: every file defines one, but monitor.ts (watching a metric), fit-one-cycle.ts and fine-tune.ts (fits made of ParamSchedulers)', () => {
    const helpers = ['callbacks/monitor.ts', 'callbacks/fit-one-cycle.ts', 'callbacks/fine-tune.ts'];
    const others = files(join(src, 'callbacks')).filter((f) => !helpers.includes(relative(src, f)) && !/extends (Callback|\w+Callback)\b/.test(readFileSync(f, 'utf8')));
    expect(others.map((f) => relative(src, f))).toEqual([]);
  });

  it('core/ knows no backend by name: it reaches backends only through backend/\'s own interface (no backend/wasm/, no \'wasm\' in its code)', () => {
    const bad: string[] = [];
    for (const f of files(join(src, 'core'))) {
      // the code without its comments (a comment may say why, e.g. what a measurement on wasm showed)
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
      for (const [, spec] of code.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (relative(src, resolve(dirname(f), spec)).startsWith('backend/wasm/')) bad.push(`${relative(src, f)} imports ${spec}`);
      }
      for (const m of code.matchAll(/\bwasm\w*|\w*Wasm\w*/gi)) bad.push(`${relative(src, f)} names ${m[0]}`);
    }
    expect(bad).toEqual([]);
  });

  it("a browser build reaches no Node built-in and no Node-only package: from every entry, with each module that has a `.browser.ts` sibling replaced by it (as scripts/browser-modules.mjs does)", () => {
    const entries = [join(src, 'index.ts'), ...readdirSync(src).map((d) => join(src, d, 'index.ts')).filter(statSafe)];
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string): void => {
      const sibling = file.replace(/\.ts$/, '.browser.ts');
      const f = !file.endsWith('.browser.ts') && statSafe(sibling) ? sibling : file;
      if (seen.has(f)) return;
      seen.add(f);
      const text = readFileSync(f, 'utf8');
      for (const [, typeOnly, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/g)) {
        if (typeOnly) continue;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts');
          if (statSafe(target)) visit(target);
        } else if (spec.startsWith('node:') || NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
          bad.push(`${relative(src, f)} imports ${spec}`);
        }
      }
    };
    entries.forEach(visit);
    expect(seen.size).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });
});

function statSafe(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
