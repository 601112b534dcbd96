/**
 * An uncaught error in a program using the wasm backend prints like any other (message, throw
 * site, stack; exit code 1), not behind ~30 KB of tfjs-backend-wasm's minified code (emscripten's
 * process listeners rethrew it from inside that one-line file, and Node printed the line, exit 7).
 * Forgetting `initBackend()` says so in one line, before TF.js starts the wasm backend by itself.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repo, 'test/fixtures/wasm-uncaught.ts');

function runChild(mode: 'throw' | 'reject'): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, mode], { cwd: repo, encoding: 'utf8', timeout: 110_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('uncaught errors with the wasm backend', () => {
  for (const [mode, message] of [['throw', 'boom from the user script'], ['reject', 'boom from a rejected promise']] as const) {
    it(`${mode === 'throw' ? 'an exception thrown in a timer' : 'an unhandled rejection'}: the message and the stack, a few lines, exit code 1`, () => {
      const { code, out } = runChild(mode);
      expect(out).toContain(`Error: ${message}`);
      expect(out).toMatch(/wasm-uncaught\.ts:\d+/); // the stack names the user's file
      expect(out.length, out.slice(0, 400)).toBeLessThan(2000);
      expect(out).not.toMatch(/WasmBackendModule|ExitStatus/);
      expect(code).toBe(1);
    }, 240_000);
  }
});

describe('forgetting initBackend()', () => {
  it('fails at the first tensor with one line saying what to call: exit code 1, no minified wasm, no TF.js advice', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'test/fixtures/no-init-backend.ts')], { cwd: repo, encoding: 'utf8', timeout: 110_000 });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toContain("Error: tfai: no backend is ready — call `await initBackend()` (import { initBackend } from 'tfai') once before creating tensors or models");
    expect(out).toMatch(/no-init-backend\.ts:\d+/); // the stack names the user's line
    expect(out.length, out.slice(0, 400)).toBeLessThan(2000);
    expect(out).not.toMatch(/tf\.ready\(\)|WasmBackendModule|ExitStatus/);
    expect(r.status).toBe(1);
  }, 240_000);
});
