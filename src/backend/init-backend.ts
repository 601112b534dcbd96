/**
 * Backend selection. With `'auto'`: `tensorflow` on the GPU (`@tensorflow/tfjs-node-gpu`) >
 * `webgpu` on a hardware adapter (Dawn: Vulkan, Metal, D3D12 — no CUDA) > `tensorflow` on the CPU
 * (`@tensorflow/tfjs-node`) > `wasm` > `cpu`. The native and WebGPU packages are optional
 * dependencies: where they could not be installed they are simply absent, and the log line says so.
 * A software WebGPU adapter (lavapipe, SwiftShader) is used only when asked for by name.
 */
import { tf } from './tf.js';
import { registerWasmTrainingKernels } from './wasm/register-kernels.js';
import { activateWebGPU, describeAdapter, webgpuAdapter } from './webgpu.js';

/** A backend tfai can run on. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
/** What `initBackend` accepts: a backend, or `'auto'` for the best available. */
export type BackendPreference = BackendName | 'auto';

/** Options of `initBackend`. */
export type InitBackendOptions = {
  /** Where the one-line choice is reported (default `console.log`; pass `() => {}` to silence). */
  log?: (line: string) => void;
};

type NativeDevice = 'gpu' | 'cpu';
const NATIVE_PACKAGES: Record<NativeDevice, string> = { gpu: '@tensorflow/tfjs-node-gpu', cpu: '@tensorflow/tfjs-node' };
/** One step of the search: a backend, and for `tensorflow` which package, for `webgpu` whether a software adapter will do. */
type Step = { name: BackendName; native?: NativeDevice[]; allowSoftware?: boolean };

let chosen: string | null = null;
let nativeDevice: NativeDevice | null = null;
let gpuNote = 'initBackend was not called';

async function tryNative(devices: NativeDevice[]): Promise<string | null> {
  const reasons: string[] = [];
  for (const d of devices) {
    const pkg = NATIVE_PACKAGES[d];
    try {
      await import(/* @vite-ignore */ pkg);
      nativeDevice = d;
      return null;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      reasons.push(`${pkg}: ${/Cannot find (module|package)/.test(msg) ? 'not installed' : msg}`);
    }
  }
  return reasons.join('; ');
}

/** Activate `step`; null on success, else why not. */
async function activate(step: Step): Promise<string | null> {
  if (step.name === 'webgpu') {
    const r = await activateWebGPU({ allowSoftware: step.allowSoftware ?? false });
    return r.ok ? null : `webgpu: ${r.reason}`;
  }
  if (step.native) {
    const why = await tryNative(step.native);
    if (why !== null) return `tensorflow unavailable (${why})`;
  }
  if (step.name === 'wasm') registerWasmTrainingKernels();
  try {
    if (await tf.setBackend(step.name)) return null;
  } catch {
    // reported below
  }
  return `${step.name} failed to initialise`;
}

function plan(want: BackendPreference): Step[] {
  const fallbacks: Step[] = [{ name: 'wasm' }, { name: 'cpu' }];
  switch (want) {
    case 'auto':
      return [{ name: 'tensorflow', native: ['gpu'] }, { name: 'webgpu' }, { name: 'tensorflow', native: ['cpu'] }, ...fallbacks];
    case 'tensorflow':
      return [{ name: 'tensorflow', native: ['gpu', 'cpu'] }, ...fallbacks];
    case 'webgpu':
      return [{ name: 'webgpu', allowSoftware: true }, ...fallbacks];
    default:
      return [{ name: want }, ...fallbacks.filter((s) => s.name !== want)];
  }
}

/** `backend (detail)`: the active backend and what it runs on. */
function describeActive(name: BackendName): string {
  if (name === 'tensorflow') return `tensorflow (${nativeDevice})`;
  const a = name === 'webgpu' ? webgpuAdapter() : null;
  return a ? `webgpu on ${describeAdapter(a)}` : name;
}

/**
 * Choose and activate the backend: `pref` (default: env `TFAI_BACKEND`, else `'auto'`). With
 * `'auto'` the order is tensorflow on the GPU > webgpu on a hardware adapter > tensorflow on the
 * CPU > wasm > cpu; `'webgpu'` also accepts a software adapter. A backend that cannot start falls
 * back to wasm, then cpu. Logs its choice once, naming the GPU adapter or why each preferred
 * backend was skipped. Returns the active backend's name.
 */
export async function initBackend(pref?: BackendPreference, opts: InitBackendOptions = {}): Promise<string> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const want = (pref ?? (process.env.TFAI_BACKEND as BackendPreference | undefined) ?? 'auto') as string;
  const allowed = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
  if (!allowed.includes(want)) throw new RangeError(`initBackend: backend must be one of ${allowed.join(', ')}, got '${want}'`);
  const skipped: string[] = [];
  for (const step of plan(want as BackendPreference)) {
    const why = await activate(step);
    if (why !== null) {
      skipped.push(why);
      continue;
    }
    const name = step.name;
    gpuNote = onAccelerator() ? `GPU: ${describeActive(name)}`
      : name === 'webgpu' ? `no GPU: ${describeActive(name)}, as asked`
      : `no GPU: ${skipped.length ? skipped.join('; ') : `${name} was asked for`}`;
    const line = `tfai: backend ${describeActive(name)}${skipped.length ? ` — ${skipped.join('; ')}` : ''}`;
    if (chosen !== name || (want !== 'auto' && want !== name)) log(line); // once per change, and whenever a request was not met
    chosen = name;
    return name;
  }
  throw new Error(`initBackend: no backend could be initialised (${skipped.join('; ')})`);
}

/** Whether the active backend runs on a GPU (native TensorFlow built with CUDA, WebGL, or WebGPU on a hardware adapter). */
export function onAccelerator(): boolean {
  const b = tf.getBackend();
  return (b === 'tensorflow' && nativeDevice === 'gpu') || b === 'webgl' || (b === 'webgpu' && webgpuAdapter()?.software !== true);
}

/**
 * One phrase on the GPU as of the last `initBackend`: `GPU: webgpu on nvidia ampere (…)`, or
 * `no GPU (…)` with the reason each GPU backend was skipped (package missing, no adapter, software
 * adapter only, driver error).
 */
export function gpuStatus(): string {
  return gpuNote;
}

/** The backend chosen by `initBackend`, or null if it was never called. */
export function chosenBackend(): string | null {
  return chosen;
}
