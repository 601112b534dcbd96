/**
 * No driver noise: where Dawn cannot give a hardware adapter, `initBackend('auto')` — and so
 * `npm start` and every example — prints nothing from Dawn or the Vulkan loader, only tfai's
 * backend line, which says why webgpu was not used. Asked for by name, webgpu still loads Dawn
 * (its messages then explain a failure, and the line adds what tfai found).
 *
 * Each case runs in a child process with its environment: `VK_ICD_FILENAMES=/nonexistent` leaves
 * the Vulkan loader without a driver (Dawn would print "vkCreateInstance: Found no drivers!").
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/run-example.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/backend-line.ts', import.meta.url));
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent' };
/** What tfai says then: no driver — or, on a machine without libvulkan.so.1 at all, no loader. */
const NO_DRIVER_SAID = String.raw`no Vulkan (driver \(no driver manifest in /nonexistent\)|loader \(libvulkan\.so\.1 is not installed)`;

/**
 * Lines in the forms Dawn and the Vulkan loader print ("Warning: …", a C++ source location,
 * vkCreateInstance, "Couldn't load Vulkan", "libvulkan.so.1: cannot open …").
 */
function driverLines(out: string): string[] {
  return out.split('\n').filter((l) => /^\s*Warning:|^\s*at .*\.(cpp|cc|h):\d+|vkCreateInstance|Couldn't load Vulkan|cannot open shared object|BackendVk|ERROR_INCOMPATIBLE_DRIVER/.test(l));
}

async function backendLine(pref: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', script, pref], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 120_000 });
}

describe('no driver noise', () => {
  it("'auto' without a Vulkan driver: one line, which says so, and nothing from Dawn", async () => {
    const { stdout, stderr } = await backendLine('auto', NO_DRIVER);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(new RegExp(`^tfai: backend wasm \\(\\d+ threads?\\) — .*webgpu: ${NO_DRIVER_SAID}`));
  });

  it("'auto' on this machine as it is (lavapipe or no driver at all): nothing from Dawn, and webgpu only on a hardware adapter", async () => {
    const { stdout, stderr } = await backendLine('auto', {});
    expect(driverLines(stderr + stdout)).toEqual([]);
    const line = stdout.trim();
    expect(line).toMatch(/^tfai: backend /);
    if (!line.startsWith('tfai: backend webgpu')) expect(line).toMatch(/webgpu: (no |only )/);
    expect(line).not.toMatch(/webgpu on .*software/);
  });

  it("'webgpu' asked for by name still asks Dawn, whose messages explain the failure; the line adds what tfai found", async () => {
    const { stdout, stderr } = await backendLine('webgpu', NO_DRIVER);
    expect(stdout).toMatch(new RegExp(`^tfai: backend wasm .* webgpu: no adapter: Dawn found no usable GPU driver \\(.*its messages above say why\\): ${NO_DRIVER_SAID}`));
    expect(stderr).toMatch(/vulkan/i);
  });

  it('npm start (the course convnet, one epoch) prints nothing from Dawn or Vulkan without a driver', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'examples/mnist-batchnorm.ts', '--epochs', '1', '--bs', '512'], {
      cwd: repoRoot, env: { ...process.env, ...NO_DRIVER }, timeout: 240_000,
    });
    expect(driverLines(stderr + stdout)).toEqual([]);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^tfai: backend wasm .*webgpu: ${NO_DRIVER_SAID}`, 'm'));
    expect(stdout).toMatch(/valid/i);
  }, 240_000);
});
