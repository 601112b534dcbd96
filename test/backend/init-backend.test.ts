/**
 * Backend selection: the automatic order, a software WebGPU adapter used only when asked for, and
 * log lines that name the adapter or say why no GPU was used.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf, initBackend, CudaCallback } from '../../src/index.js';
import { gpuStatus, probeWebGPU, describeAdapter, isSoftwareAdapter, onAccelerator, type WebGPUAdapterSummary } from '../../src/backend/index.js';

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

  it("'auto' takes webgpu only on a hardware adapter, and says why not otherwise", async () => {
    const probe = await probeWebGPU();
    const lines: string[] = [];
    const got = await initBackend('auto', { log: (l) => lines.push(l) });
    if (probe.ok && !probe.adapter.software) {
      expect(got).toBe('webgpu');
      expect(lines[0]).toContain(`webgpu on ${describeAdapter(probe.adapter)}`);
      expect(gpuStatus()).toMatch(/^GPU: webgpu on /);
    } else {
      expect(['tensorflow', 'wasm']).toContain(got);
      expect(lines[0]).toMatch(/tensorflow unavailable \(@tensorflow\/tfjs-node-gpu: /);
      const why = probe.ok ? `webgpu: only a software adapter: ${describeAdapter(probe.adapter)}` : `webgpu: ${probe.reason}`;
      expect(lines[0]).toContain(why);
      expect(gpuStatus()).toContain(`no GPU: `);
      expect(gpuStatus()).toContain(why);
      expect(onAccelerator()).toBe(false);
    }
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
