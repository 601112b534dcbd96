/**
 * `npm run device-bundle` makes a folder that runs on its own (for a GPU machine with no network and
 * no node_modules): bundled outside the repository, where nothing else is on the module path, its
 * GPU check must find the WebGPU adapter (Mesa's lavapipe in CI), train on webgpu and wasm, and
 * report losses that agree — so a run-time package the bundle forgot fails here, not on the
 * borrowed machine. The `lavapipe` system suite (it needs a WebGPU adapter).
 */
import { it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeSuite } from './helpers/suites.js';

describeSuite('lavapipe', 'device bundle', () => {
  it('runs the GPU check from a folder outside the repository, with no node_modules but its own', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfai-device-'));
    try {
      const out = path.join(dir, 'bundle');
      const made = execFileSync(process.execPath, ['scripts/device-bundle.mjs', '--out', out], { encoding: 'utf8' });
      expect(made).toMatch(/device-bundle: wrote/);
      for (const f of ['gpu-check.mjs', 'fashion-recipe.mjs', 'node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/@tensorflow/tfjs-core/package.json']) {
        expect(existsSync(path.join(out, f)), f).toBe(true);
      }
      const log = execFileSync(process.execPath, [path.join(out, 'gpu-check.mjs'), '--small', '--budget', '30', '--only', 'convnet'], {
        cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: '' },
      });
      expect(log).toMatch(/adapter: /);
      expect(log).toMatch(/convnet +32 +\d+ +\d+/);
      expect(log).toMatch(/loss agreement: within 1e-4 relative on every step compared/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
