/**
 * Backend selection: the automatic order, a software WebGPU adapter used only when asked for, and
 * log lines that name the adapter or say why no GPU was used. The cases that need a WebGPU adapter
 * form the `lavapipe` system suite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';
import { tf, initBackend, CudaCallback } from '../../src/index.js';
import { gpuStatus, probeWebGPU, describeAdapter, isSoftwareAdapter, onAccelerator, webgpuAdapter, type WebGPUAdapterSummary } from '../../src/backend/index.js';
import { hardwareObstacle, probeWebGPUInChild, vulkanOutlook } from '../../src/backend/webgpu-preflight.js';

afterAll(async () => {
  delete process.env.TFAI_BACKEND;
  await initBackend('wasm', { log: () => {} });
});

describe('what an adapter is', () => {
  it('tells software adapters (lavapipe, SwiftShader, WARP, Dawn fallback) from GPUs', () => {
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA: 550.54.14' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel open-source Mesa driver: Mesa 25.0.7' })).toBe(false);
  });

  it('describes an adapter in one phrase', () => {
    const gpu: WebGPUAdapterSummary = { vendor: 'nvidia', architecture: 'ampere', device: 'NVIDIA GeForce RTX 3090', description: 'NVIDIA: 550.54.14', software: false };
    expect(describeAdapter(gpu)).toBe('nvidia ampere (NVIDIA: 550.54.14)');
    expect(describeAdapter({ ...gpu, vendor: 'google', architecture: '', description: '', device: 'SwiftShader Device', software: true })).toBe('google (SwiftShader Device), a software adapter');
  });
});

describe('initBackend', () => {
  it('rejects an unknown backend, naming the choices', async () => {
    await expect(initBackend('cuda' as 'auto')).rejects.toThrow(/must be one of auto, tensorflow, webgpu, wasm, cpu, got 'cuda'/);
  });

  it("'auto' takes webgpu only on a hardware adapter, and says why not otherwise — without loading Dawn where none can be there", async () => {
    const obstacle = process.platform === 'linux' ? hardwareObstacle(vulkanOutlook()) : undefined;
    const lines: string[] = [];
    const got = await initBackend('auto', { log: (l) => lines.push(l) });
    if (obstacle !== undefined) {
      // e.g. no Vulkan driver, or (here, with lavapipe) no GPU device: Dawn was not asked
      expect(['tensorflow', 'wasm']).toContain(got);
      expect(lines[0]).toMatch(/tensorflow unavailable \(@tensorflow\/tfjs-node-gpu: /);
      expect(lines[0]).toContain(`webgpu: ${obstacle}`);
      expect(gpuStatus()).toContain(`no GPU: `);
      expect(gpuStatus()).toContain(obstacle);
      expect(onAccelerator()).toBe(false);
      expect(webgpuAdapter()).toBeNull();
    } else {
      await expectAutoOnDawnsAdapter(got, lines);
    }
  });

  it("Dawn asked in a child process (as 'auto' does where a GPU may be there) says why there is no adapter, in its own words, printing nothing here", async () => {
    const saved = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent';
    try {
      const child = await probeWebGPUInChild();
      expect(child.ok).toBe(false);
      if (!child.ok) expect(child.reason).toMatch(/^no adapter: Dawn found no usable GPU driver \(.*(vkCreateInstance|Vulkan).*\)$|^package webgpu is not installed/);
    } finally {
      if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved;
    }
  });
});

/** Where Dawn may find a hardware adapter: `auto` took it, or says why not. */
async function expectAutoOnDawnsAdapter(got: string, lines: string[]): Promise<void> {
  const probe = await probeWebGPU();
  if (probe.ok && !probe.adapter.software) {
    expect(got).toBe('webgpu');
    expect(lines[0]).toContain(`webgpu on ${describeAdapter(probe.adapter)}`);
    expect(gpuStatus()).toMatch(/^GPU: webgpu on /);
  } else {
    expect(['tensorflow', 'wasm']).toContain(got);
    expect(lines[0]).toMatch(probe.ok ? /webgpu: only a software adapter: / : /webgpu: (no adapter|Dawn )/);
    expect(onAccelerator()).toBe(false);
  }
}

describeSuite('lavapipe', 'initBackend on a WebGPU adapter', () => {
  it('Dawn asked in a child process (what the suite check and auto use) finds the adapter it gives in this process', async () => {
    const [probe, child] = await Promise.all([probeWebGPU(), probeWebGPUInChild()]);
    if (!probe.ok) expect.fail(`no WebGPU adapter: ${probe.reason}`);
    if (!child.ok) expect.fail(`no adapter in the child: ${child.reason}`);
    expect([child.info.vendor, child.info.architecture, child.info.description]).toEqual([probe.adapter.vendor, probe.adapter.architecture, probe.adapter.description]);
  });

  it("'webgpu' (or TFAI_BACKEND=webgpu) takes any adapter, software too, and names it", async () => {
    const probe = await probeWebGPU();
    if (!probe.ok) expect.fail(`no WebGPU adapter: ${probe.reason}`);
    await initBackend('wasm', { log: () => {} });
    process.env.TFAI_BACKEND = 'webgpu';
    const lines: string[] = [];
    expect(await initBackend(undefined, { log: (l) => lines.push(l) })).toBe('webgpu');
    delete process.env.TFAI_BACKEND;
    expect(lines).toEqual([`tfai: backend webgpu on ${describeAdapter(probe.adapter)}`]);
    expect(onAccelerator()).toBe(!probe.adapter.software);
    expect(gpuStatus()).toBe(probe.adapter.software ? `no GPU: webgpu on ${describeAdapter(probe.adapter)}, as asked` : `GPU: webgpu on ${describeAdapter(probe.adapter)}`);
    const said: string[] = [];
    await new CudaCallback({ log: (l) => said.push(l) }).beginFit();
    expect(said[0]).toBe(probe.adapter.software ? `CudaCallback: training on the CPU with webgpu — ${gpuStatus()}` : `CudaCallback: training on the ${gpuStatus()}`);
  });

  it('a synchronous read on webgpu fails with a message that says what to do', async () => {
    await initBackend('webgpu', { log: () => {} });
    expect(tf.getBackend()).toBe('webgpu');
    const x = tf.square(tf.tensor1d([1, 2, 3]));
    expect(() => x.dataSync()).toThrow(/synchronous read of device data .* impossible in Node; read with `await tensor.data\(\)`/);
    expect(Array.from(await x.data())).toEqual([1, 4, 9]);
    x.dispose();
  });
});
