/**
 * Before `initBackend('auto')` loads Dawn: whether Dawn can give a hardware adapter here, found
 * out without letting Dawn or the Vulkan loader print anything.
 *
 * Dawn (native code) writes its warnings straight to the process's stderr — "Couldn't load Vulkan:
 * libvulkan.so.1 …" without the loader, "vkCreateInstance: Found no drivers!" without a driver,
 * "… artificially reduced …" on Mesa's lavapipe — where no JavaScript can catch them. So on Linux
 * `auto` first looks at what the Vulkan loader would find (a few file lookups, well under 1 ms):
 *
 * - no `libvulkan.so.1` (LD_LIBRARY_PATH, the ld.so cache, the usual library folders), no driver
 *   manifest (ICD file: `VK_DRIVER_FILES` / `VK_ICD_FILENAMES`, else the loader's search folders),
 *   only software drivers (lavapipe, SwiftShader), or no GPU device node (`/dev/dri/renderD*`,
 *   `/dev/nvidia*`, `/dev/dxg`; Debian's Mesa installs the Intel and AMD manifests on machines
 *   without those GPUs): `auto` would not use what Dawn finds, so Dawn is not loaded at all, and
 *   the reason is this file's;
 * - otherwise (a GPU may be there) Dawn is asked in a child process whose stderr is captured
 *   (≈ 0.3 s: Node's start-up and Dawn's adapter search), and only when it finds a hardware
 *   adapter is Dawn loaded in this process. Its messages, when it finds none, become the reason.
 *
 * On macOS and Windows (Metal, D3D12: always there) Dawn is loaded directly. `initBackend('webgpu')`
 * skips all this: asked by name, Dawn is loaded and its own messages explain a failure.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A Vulkan driver manifest (ICD file) the loader would read. */
export interface VulkanDriver {
  /** The manifest's path. */
  file: string;
  /** The driver library it names (`libvulkan_lvp.so`, `libnvidia-glcore.so…`). */
  library: string;
  /** A CPU implementation (Mesa's lavapipe, SwiftShader). */
  software: boolean;
}

/** What the Vulkan loader would find on this Linux machine, read from files only. */
export interface VulkanOutlook {
  /** Where `libvulkan.so.1` was found (a file, or `ld.so.cache`), or undefined. */
  loader: string | undefined;
  /** Where driver manifests were looked for (files or folders). */
  searched: string[];
  /** The driver manifests found. */
  drivers: VulkanDriver[];
  /** GPU device nodes (`/dev/dri/renderD128`, `/dev/nvidia0`, `/dev/dxg`). */
  devices: string[];
}

const SOFTWARE_DRIVER = /lvp|lavapipe|llvmpipe|swiftshader/i;

function readDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function splitList(v: string | undefined): string[] {
  return (v ?? '').split(':').map((s) => s.trim()).filter(Boolean);
}

/** Where the dynamic linker would find `libvulkan.so.1` (`root`: a folder standing for `/`, for tests). */
function findLoader(env: NodeJS.ProcessEnv, root: string): string | undefined {
  const lib = 'libvulkan.so.1';
  for (const d of splitList(env.LD_LIBRARY_PATH)) if (existsSync(path.join(d, lib))) return path.join(d, lib);
  try {
    if (readFileSync(path.join(root, 'etc/ld.so.cache')).includes(lib)) return 'ld.so.cache';
  } catch {
    // no cache: look in the usual folders
  }
  const dirs = ['lib', 'usr/lib', 'lib64', 'usr/lib64', 'usr/local/lib'];
  for (const d of ['lib', 'usr/lib']) for (const e of readDir(path.join(root, d))) if (/-linux-(gnu|musl)/.test(e)) dirs.push(`${d}/${e}`);
  for (const d of dirs) if (existsSync(path.join(root, d, lib))) return path.join(root, d, lib);
  return undefined;
}

/** The driver manifests the Vulkan loader reads, by its own rules (env overrides, else its search folders). */
function findDrivers(env: NodeJS.ProcessEnv, root: string): { searched: string[]; drivers: VulkanDriver[] } {
  const only = splitList(env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES);
  let searched: string[];
  if (only.length > 0) {
    searched = only;
  } else {
    const home = env.HOME ?? os.homedir();
    const config = [env.XDG_CONFIG_HOME ?? path.join(home, '.config'), ...splitList(env.XDG_CONFIG_DIRS ?? '/etc/xdg'), '/usr/local/etc', '/etc'];
    const data = [env.XDG_DATA_HOME ?? path.join(home, '.local/share'), ...splitList(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share')];
    const system = (d: string): string => (d.startsWith(home) ? d : path.join(root, d));
    searched = [...splitList(env.VK_ADD_DRIVER_FILES), ...[...config, ...data].map((d) => system(path.join(d, 'vulkan/icd.d')))];
  }
  const files = searched.flatMap((p) => (p.endsWith('.json') ? [p] : readDir(p).filter((f) => f.endsWith('.json')).map((f) => path.join(p, f))));
  const drivers: VulkanDriver[] = [];
  for (const file of new Set(files)) {
    let library: unknown;
    try {
      library = (JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: unknown } }).ICD?.library_path;
    } catch {
      continue; // missing or not a manifest: the loader skips it too
    }
    if (typeof library !== 'string') continue;
    drivers.push({ file, library, software: SOFTWARE_DRIVER.test(path.basename(library)) || SOFTWARE_DRIVER.test(path.basename(file)) });
  }
  return { searched, drivers };
}

/** GPU device nodes: DRM render nodes (Mesa, AMDVLK), NVIDIA's, WSL's. */
function findDevices(root: string): string[] {
  const dri = readDir(path.join(root, 'dev/dri')).filter((f) => f.startsWith('renderD')).map((f) => `/dev/dri/${f}`);
  const nvidia = readDir(path.join(root, 'dev')).filter((f) => /^nvidia\d+$/.test(f) || f === 'dxg').map((f) => `/dev/${f}`);
  return [...dri, ...nvidia];
}

/**
 * What the Vulkan loader would find (Linux): the loader library, the driver manifests, the GPU
 * device nodes. Reads files only; loads nothing. `root` stands for `/` (for tests).
 */
export function vulkanOutlook(env: NodeJS.ProcessEnv = process.env, root = '/'): VulkanOutlook {
  return { loader: findLoader(env, root), ...findDrivers(env, root), devices: findDevices(root) };
}

const USE_ANYWAY = "use it anyway with initBackend('webgpu') / TFAI_BACKEND=webgpu / --backend webgpu";

/** Why Vulkan cannot work at all on this outlook (no loader, no driver), or undefined. */
export function vulkanMissing(o: VulkanOutlook): string | undefined {
  if (!o.loader) return 'no Vulkan loader (libvulkan.so.1 is not installed; a GPU driver package brings it)';
  if (o.drivers.length === 0) return `no Vulkan driver (no driver manifest in ${o.searched.join(', ') || 'the loader\'s folders'})`;
  return undefined;
}

/** Why `auto` cannot get a hardware adapter from Dawn on this outlook, or undefined when it may. */
export function hardwareObstacle(o: VulkanOutlook): string | undefined {
  const missing = vulkanMissing(o);
  if (missing !== undefined) return missing;
  const software = o.drivers.filter((d) => d.software).map((d) => path.basename(d.library));
  const slow = software.length ? `; the software driver here (${software.join(', ')}) is slow: ${USE_ANYWAY}` : '';
  if (software.length === o.drivers.length) return `only a software Vulkan driver (${software.join(', ')}) — slow; ${USE_ANYWAY}`;
  if (o.devices.length === 0) return `no GPU device (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg)${slow}`;
  return undefined;
}

/** What Dawn's child process said about its adapter (`GPUAdapter.info`, every field may be missing). */
export type ChildAdapterInfo = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
/** What a probe in a child process found: the adapter's info, or Dawn's messages. */
export type ChildProbe = { ok: true; info: ChildAdapterInfo } | { ok: false; reason: string };

/** The child's program: load Dawn (its entry's URL in argv[1]), ask for an adapter, print what it is as JSON. */
const CHILD_SOURCE = `
const { create } = await import(process.argv[1]);
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = a ? a.info ?? {} : null;
process.stdout.write('\\n' + JSON.stringify(i && { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: a.isFallbackAdapter === true || i.isFallbackAdapter === true }) + '\\n');
process.exit(0);
`;

/** Dawn's messages in a few words: its "Warning:" lines without the source locations. */
function dawnMessages(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
  return lines.map((l) => l.replace(/^Warning:\s*/, '')).slice(0, 3).join('; ');
}

/**
 * The command of a child Node process that asks Dawn for a (high-performance) adapter and prints
 * what it is (`readChildProbe` reads its output), or why it cannot run.
 */
export function childProbeCommand(): { ok: true; file: string; args: string[] } | { ok: false; reason: string } {
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return { ok: false, reason: 'package webgpu is not installed (it is an optional dependency: npm install webgpu)' };
  }
  return { ok: true, file: process.execPath, args: ['--input-type=module', '-e', CHILD_SOURCE, entry] };
}

/** What the child of `childProbeCommand` found, from its stdout and stderr (and whether it timed out). */
export function readChildProbe(stdout: string, stderr: string, timedOut = false): ChildProbe {
  let info: ChildAdapterInfo | null | undefined;
  try {
    info = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildAdapterInfo | null;
  } catch {
    info = undefined;
  }
  if (info) return { ok: true, info };
  const said = dawnMessages(stderr);
  if (info === null) return { ok: false, reason: `no adapter: Dawn found no usable GPU driver${said ? ` (${said})` : ''}` };
  return { ok: false, reason: `Dawn ${timedOut ? 'did not answer in time' : 'failed'}${said ? `: ${said}` : ''}` };
}

/**
 * Asks Dawn for a (high-performance) adapter in a child Node process, its stderr captured: the
 * adapter's info, or why there is none (Dawn's own messages). Nothing is printed.
 * @param timeoutMs how long the child may take (default 30 s)
 */
export async function probeWebGPUInChild(timeoutMs = 30_000): Promise<ChildProbe> {
  const cmd = childProbeCommand();
  if (!cmd.ok) return cmd;
  return new Promise((resolve) => {
    execFile(cmd.file, cmd.args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve(readChildProbe(stdout, stderr, error?.killed === true));
    });
  });
}
