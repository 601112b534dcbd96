/**
 * The browser build replaces each module that has a `.browser.ts` sibling by that sibling
 * (scripts/browser-modules.mjs). Code compiled against the Node module must work with the sibling:
 * so each sibling exports exactly the Node module's names, each with a type assignable to the Node
 * one (for a class: its constructor and public members; private fields are each class's own) —
 * checked here with the TypeScript compiler over every pair.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

function siblings(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? siblings(p) : p.endsWith('.browser.ts') ? [p] : [];
  });
}

describe('browser modules', () => {
  const pairs = siblings(src).map((b) => ({ browser: b, node: b.replace(/\.browser\.ts$/, '.ts'), name: relative(src, b) }));

  it('exist for the platform modules and the Node-only edges', () => {
    const names = pairs.map((p) => p.name);
    for (const m of ['platform/fs.browser.ts', 'platform/process.browser.ts', 'backend/wasm/threads.browser.ts', 'backend/webgpu.browser.ts', 'data/mnist-files.browser.ts']) expect(names).toContain(m);
  });

  it('each exports the names of its Node module, with types assignable to theirs', () => {
    // one checking file: for pair i, the browser module's namespace must be assignable to the Node
    // module's, and have no name the Node module lacks
    const checkFile = join(src, '__browser_modules_check__.ts');
    const prelude = [
      '/** A class as code outside it sees it: its constructor, statics and public members. */',
      'type PublicOf<I> = { [K in keyof I]: I[K] };',
      "type Public<T> = T extends abstract new (...a: infer A) => infer I ? (new (...a: A) => PublicOf<I>) & PublicOf<Omit<T, 'prototype'>> : T;",
      'type PublicModule<M> = { [K in keyof M]: Public<M[K]> };',
    ];
    const lines = pairs.flatMap((p, i) => {
      const spec = (f: string): string => `./${relative(src, f).replace(/\.ts$/, '.js')}`;
      return [
        `import type * as N${i} from '${spec(p.node)}';`,
        `import type * as B${i} from '${spec(p.browser)}';`,
        `declare const b${i}: typeof B${i};`,
        `export const n${i}: PublicModule<typeof N${i}> = b${i}; // ${p.name}`,
        `export const k${i}: keyof typeof N${i} = null as unknown as keyof typeof B${i}; // ${p.name}: no extra names`,
      ];
    });
    const text = [...prelude, ...lines].join('\n');
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (f) => (f === checkFile ? text : readFile(f));
    host.fileExists = (f) => f === checkFile || fileExists(f);
    const program = ts.createProgram([checkFile, ...pairs.flatMap((p) => [p.node, p.browser])], { ...config.options, noEmit: true }, host);
    const diags = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
      const line = d.file === program.getSourceFile(checkFile) && d.start !== undefined ? text.split('\n')[d.file!.getLineAndCharacterOfPosition(d.start).line] : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]} ${line}`;
    });
    expect(diags).toEqual([]);
  });
});
