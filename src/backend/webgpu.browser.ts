/**
 * The `webgpu` backend in a page (the browser's `webgpu.ts`): the browser's own WebGPU
 * (`navigator.gpu`) and `@tensorflow/tfjs-backend-webgpu`. As in Node, tfai asks for the
 * high-performance adapter, says what it is, refuses a software one (SwiftShader, WARP) unless
 * asked for by name, creates the device with the adapter's limits and registers TF.js's backend on
 * it. A page has no synchronous read of WebGPU data worth having (TF.js falls back to a slow canvas
 * copy), and tfai's training paths make none.
 */
import { tf } from './tf.js';
import { openDevice, type GpuAdapter, type GpuDevice } from './webgpu-device.js';
import type * as NodeWebGPU from './webgpu.js';
import type { GpuAdapterInfo, WebGPUAdapterSummary, WebGPUProbe } from './webgpu.js';

export type { GpuAdapterInfo, WebGPUAdapterSummary, WebGPUProbe } from './webgpu.js';

type Gpu = { requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapter | null> };
type BackendModule = { WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tf.KernelBackend };
type Found = { adapter: GpuAdapter; summary: WebGPUAdapterSummary; backendModule: BackendModule };

let found: Promise<{ ok: true; found: Found } | { ok: false; reason: string }> | null = null;
let active: WebGPUAdapterSummary | null = null;

export const isSoftwareAdapter: typeof NodeWebGPU.isSoftwareAdapter = (info, isFallback = false) => {
  if (isFallback || info.isFallbackAdapter === true || info.architecture === 'software') return true;
  return /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|microsoft basic render/i.test(`${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
};

export const describeAdapter: typeof NodeWebGPU.describeAdapter = (a) => {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  const detail = a.description || a.device;
  return `${name}${detail ? ` (${detail})` : ''}${a.software && a.architecture !== 'software' ? ', a software adapter' : ''}`;
};

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function findAdapter(): Promise<{ ok: true; found: Found } | { ok: false; reason: string }> {
  const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (!gpu) return { ok: false, reason: 'this browser offers no WebGPU (navigator.gpu is missing; Chromium needs a secure context: https or localhost)' };
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `requestAdapter failed: ${firstLine(e)}` };
  }
  if (!adapter) return { ok: false, reason: 'no adapter: the browser offers WebGPU but found no usable GPU (blocklisted, disabled, or none)' };
  let backendModule: BackendModule;
  try {
    backendModule = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as BackendModule;
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(e)}` };
  }
  const info = adapter.info ?? {};
  const summary: WebGPUAdapterSummary = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info, adapter.isFallbackAdapter === true),
  };
  return { ok: true, found: { adapter, summary, backendModule } };
}

export const probeWebGPU: typeof NodeWebGPU.probeWebGPU = async () => {
  found ??= findAdapter();
  const f = await found;
  return f.ok ? { ok: true, adapter: f.found.summary } : f;
};

export const activateWebGPU: typeof NodeWebGPU.activateWebGPU = async (opts): Promise<WebGPUProbe> => {
  found ??= findAdapter();
  const f = await found;
  if (!f.ok) return f;
  const { adapter, summary, backendModule } = f.found;
  if (summary.software && !opts.allowSoftware) {
    return { ok: false, adapter: summary, reason: `only a software adapter: ${describeAdapter(summary)} — slow; use it anyway with initBackend('webgpu')` };
  }
  if (active === null) {
    let backend: tf.KernelBackend;
    try {
      const device = await openDevice(adapter, () => active !== null);
      backend = new backendModule.WebGPUBackend(device, adapter.info);
    } catch (e) {
      return { ok: false, adapter: summary, reason: `driver error on ${describeAdapter(summary)}: ${firstLine(e)}` };
    }
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => backend, 0);
    active = summary;
  }
  if (!(await tf.setBackend('webgpu'))) return { ok: false, adapter: summary, reason: `TF.js could not initialise webgpu on ${describeAdapter(summary)}` };
  return { ok: true, adapter: summary };
};

export const webgpuAdapter: typeof NodeWebGPU.webgpuAdapter = () => active;
