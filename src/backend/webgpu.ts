/**
 * The `webgpu` backend in Node: Dawn (the optional `webgpu` npm package, which ships `dawn.node`
 * prebuilt) gives a WebGPU adapter on any GPU with a Vulkan, Metal or D3D12 driver — no CUDA — and
 * `@tensorflow/tfjs-backend-webgpu` (optional, same version as the other `@tensorflow/*`) runs
 * TF.js on it.
 *
 * tfai registers the backend itself rather than letting the package do it on import (it does so
 * only where `navigator.gpu` exists, and then picks its own adapter): it asks Dawn for the
 * high-performance adapter, reads what the adapter is, refuses a software one (lavapipe,
 * SwiftShader) unless asked, creates the device with the adapter's limits, and says exactly what
 * went wrong otherwise. Looking for a hardware adapter only (`initBackend('auto')`), it first finds
 * out without loading Dawn whether one can be there (webgpu-preflight.ts), so that a machine
 * without a GPU driver hears nothing from Dawn. WebGPU in Node has no synchronous read: `dataSync()` on a tensor that
 * lives on the device throws a clear error here instead of `OffscreenCanvas is not defined`.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { openDevice, type GpuAdapter, type GpuAdapterInfo, type GpuDevice } from './webgpu-device.js';
import { hardwareObstacle, probeWebGPUInChild, vulkanMissing, vulkanOutlook } from './webgpu-preflight.js';

/** What an adapter is, as Dawn describes it (`GPUAdapter.info`), plus tfai's verdict. */
export type WebGPUAdapterSummary = {
  /** e.g. `nvidia`, `amd`, `intel`, `apple`, `mesa`. */
  vendor: string;
  /** e.g. `ampere`, `rdna-3`, `gen-12lp`, `software`. */
  architecture: string;
  /** The device's name as the driver gives it. */
  device: string;
  /** The driver's description (for Mesa's lavapipe: `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`). */
  description: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP): correct but slow. */
  software: boolean;
};

/** The outcome of looking for (or activating) a WebGPU adapter. */
export type WebGPUProbe =
  | {
      /** An adapter tfai will use was found. */
      ok: true;
      /** The adapter. */
      adapter: WebGPUAdapterSummary;
    }
  | {
      /** No adapter tfai will use. */
      ok: false;
      /** Why, in words (package missing, no adapter, software adapter only, driver error). */
      reason: string;
      /** The adapter that was found but not used (a software one), if any. */
      adapter?: WebGPUAdapterSummary;
    };

// The optional packages are imported by name at run time, so that tfai builds, installs and runs
// without them (and a bundler leaves them alone).
const DAWN_PACKAGE = 'webgpu';
const BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

export type { GpuAdapterInfo } from './webgpu-device.js';

// The few members of Dawn's WebGPU objects that tfai touches (the full types are `@webgpu/types`).
type Gpu = { requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapter | null> };
type DawnModule = { create(flags: string[]): Gpu; globals: Record<string, unknown> };
type BackendModule = { WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tf.KernelBackend };

type Found = { gpu: Gpu; adapter: GpuAdapter; summary: WebGPUAdapterSummary; backendModule: BackendModule };

let found: Promise<{ ok: true; found: Found } | { ok: false; reason: string }> | null = null;
let active: WebGPUAdapterSummary | null = null;

/** Whether an adapter is a CPU implementation (Dawn's `isFallbackAdapter`, or a known software driver). */
export function isSoftwareAdapter(info: GpuAdapterInfo, isFallback = false): boolean {
  if (isFallback || info.isFallbackAdapter === true || info.architecture === 'software') return true;
  return /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|microsoft basic render/i.test(`${info.device ?? ''} ${info.description ?? ''}`);
}

/** `mesa software (llvmpipe: Mesa 25.0.7 …)`: the adapter in one phrase, for log lines. */
export function describeAdapter(a: WebGPUAdapterSummary): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  const detail = a.description || a.device;
  return `${name}${detail ? ` (${detail})` : ''}${a.software && a.architecture !== 'software' ? ', a software adapter' : ''}`;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * A real dynamic `import()` made at run time. tsup's CommonJS build turns `import()` into
 * `require()`, and `webgpu` is an ES module only, which Node 20's `require` cannot load
 * (ERR_REQUIRE_ESM); a function made at run time keeps the import (Node allows it in CommonJS).
 */
const importAtRunTime = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function importPackage(pkg: string): Promise<unknown> {
  try {
    return await import(/* @vite-ignore */ pkg);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    return importAtRunTime(pkg);
  }
}

async function importOptional<T>(pkg: string, version?: string): Promise<{ ok: true; mod: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, mod: (await importPackage(pkg)) as T };
  } catch (e) {
    const msg = firstLine(e);
    const missing = /Cannot find (module|package)/.test(msg) && msg.includes(pkg);
    return { ok: false, reason: missing ? `package ${pkg} is not installed (it is an optional dependency: npm install ${pkg}${version ? `@${version}` : ''})` : `package ${pkg} failed to load: ${msg}` };
  }
}

async function findAdapter(): Promise<{ ok: true; found: Found } | { ok: false; reason: string }> {
  const dawn = await importOptional<DawnModule>(DAWN_PACKAGE);
  if (!dawn.ok) return dawn;
  const backendModule = await importOptional<BackendModule>(BACKEND_PACKAGE, tf.version_core); // one version for every @tensorflow package
  if (!backendModule.ok) return backendModule;
  // WebGPU's constants (GPUBufferUsage, GPUMapMode, …) are globals in a browser; the backend uses them.
  for (const [k, v] of Object.entries(dawn.mod.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  let gpu: Gpu;
  let adapter: GpuAdapter | null;
  try {
    gpu = dawn.mod.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `Dawn could not start (driver error): ${firstLine(e)}` };
  }
  if (!adapter) {
    const vulkan = process.platform === 'linux' ? vulkanMissing(vulkanOutlook()) : undefined;
    return { ok: false, reason: `no adapter: Dawn found no usable GPU driver (Vulkan on Linux, Metal on macOS, D3D12 on Windows; its messages above say why)${vulkan ? `: ${vulkan}` : ''}` };
  }
  const summary = summarize(adapter.info ?? {}, adapter.isFallbackAdapter === true);
  return { ok: true, found: { gpu, adapter, summary, backendModule: backendModule.mod } };
}

function summarize(info: GpuAdapterInfo, isFallback = false): WebGPUAdapterSummary {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info, isFallback),
  };
}

function softwareReason(summary: WebGPUAdapterSummary): string {
  return `only a software adapter: ${describeAdapter(summary)} — slow; use it anyway with initBackend('webgpu') / TFAI_BACKEND=webgpu / --backend webgpu`;
}

let preflight: Promise<WebGPUProbe | null> | null = null;

/**
 * Whether Dawn can give a hardware adapter, found out without loading it here (Linux; see
 * webgpu-preflight.ts): why not, or null to go on and load it — also where Dawn is already loaded,
 * or its package is missing (then loading it fails with that reason, printing nothing).
 */
async function hardwarePreflight(): Promise<WebGPUProbe | null> {
  if (found !== null || process.platform !== 'linux') return null;
  try {
    createRequire(import.meta.url).resolve(DAWN_PACKAGE);
  } catch {
    return null;
  }
  const obstacle = hardwareObstacle(vulkanOutlook());
  if (obstacle !== undefined) return { ok: false, reason: obstacle };
  const child = await probeWebGPUInChild();
  if (!child.ok) return child;
  const summary = summarize(child.info, child.info.isFallbackAdapter === true);
  return summary.software ? { ok: false, adapter: summary, reason: softwareReason(summary) } : null;
}

/**
 * Look for a WebGPU adapter (once per process: the answer is cached) without creating a device.
 * `ok` is false, with the reason, when a package is missing or Dawn finds no adapter; a software
 * adapter is reported with `software: true`.
 */
export async function probeWebGPU(): Promise<WebGPUProbe> {
  found ??= findAdapter();
  const f = await found;
  return f.ok ? { ok: true, adapter: f.found.summary } : f;
}

/** Run `fn` with `navigator.gpu` set (the backend's constructor checks it), then restore `navigator`. */
function withNavigatorGpu<T>(gpu: Gpu, fn: () => T): T {
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  const had = 'navigator' in globalThis;
  const nav = g.navigator;
  if (nav && typeof nav === 'object') {
    const prev = Object.getOwnPropertyDescriptor(nav, 'gpu');
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    try {
      return fn();
    } finally {
      if (prev) Object.defineProperty(nav, 'gpu', prev);
      else delete nav.gpu;
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    else delete g.navigator;
  }
}

/** A synchronous read of device data cannot work in Node: say so, instead of `OffscreenCanvas is not defined`. */
function explainSyncReads(backend: tf.KernelBackend): void {
  const b = backend as tf.KernelBackend & { hasReadSyncWarned?: boolean };
  const readSync = b.readSync.bind(b);
  b.hasReadSyncWarned = true; // its warning would precede our error
  b.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (e) {
      if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) {
        throw new Error('webgpu backend: a synchronous read of device data (dataSync / arraySync / bufferSync, or moving a tensor to another backend) is impossible in Node; read with `await tensor.data()` instead');
      }
      throw e;
    }
  };
}

/**
 * Create the device on the adapter `probeWebGPU` found, register TF.js's `webgpu` backend on it
 * and make it the active backend. A software adapter is used only with `allowSoftware`; without
 * it, Dawn is loaded only once a hardware adapter is known to be there (see `hardwarePreflight`).
 * Returns the adapter, or the reason it could not be used (nothing is changed then).
 */
export async function activateWebGPU(opts: { allowSoftware: boolean }): Promise<WebGPUProbe> {
  if (!opts.allowSoftware && active === null) {
    preflight ??= hardwarePreflight();
    const obstacle = await preflight;
    if (obstacle !== null) return obstacle;
  }
  found ??= findAdapter();
  const f = await found;
  if (!f.ok) return f;
  const { gpu, adapter, summary, backendModule } = f.found;
  if (summary.software && !opts.allowSoftware) {
    return { ok: false, adapter: summary, reason: softwareReason(summary) };
  }
  if (active === null) {
    let backend: tf.KernelBackend;
    try {
      const device = await openDevice(adapter, () => active !== null);
      backend = withNavigatorGpu(gpu, () => new backendModule.WebGPUBackend(device, adapter.info));
    } catch (e) {
      return { ok: false, adapter: summary, reason: `driver error on ${describeAdapter(summary)}: ${firstLine(e)}` };
    }
    explainSyncReads(backend);
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => backend, 0);
    active = summary;
  }
  if (!(await tf.setBackend('webgpu'))) return { ok: false, adapter: summary, reason: `TF.js could not initialise webgpu on ${describeAdapter(summary)}` };
  return { ok: true, adapter: summary };
}

/** The adapter the `webgpu` backend runs on, or null if it was never activated. */
export function webgpuAdapter(): WebGPUAdapterSummary | null {
  return active;
}
