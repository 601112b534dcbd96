/**
 * What the Vulkan loader would find, read from files only (a fake root folder stands for `/`), and
 * what `initBackend('auto')` concludes from it before loading Dawn; and the child-process probe.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hardwareObstacle, readChildProbe, vulkanMissing, vulkanOutlook } from '../../src/backend/webgpu-preflight.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A fake root with `files` (path relative to the root → contents); its env points HOME inside it. */
function machine(files: Record<string, string>): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'tfai-vulkan-'));
  roots.push(root);
  for (const [p, body] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), body);
  }
  return { root, env: { HOME: join(root, 'home/user') } };
}
const icd = (lib: string): string => JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: lib, api_version: '1.3.0' } });
const LOADER = { 'usr/lib/x86_64-linux-gnu/libvulkan.so.1': '' };
/** What Debian's mesa-vulkan-drivers installs: lavapipe and the Intel, AMD and virtio drivers. */
const MESA = {
  'usr/share/vulkan/icd.d/lvp_icd.x86_64.json': icd('libvulkan_lvp.so'),
  'usr/share/vulkan/icd.d/intel_icd.x86_64.json': icd('libvulkan_intel.so'),
  'usr/share/vulkan/icd.d/radeon_icd.x86_64.json': icd('libvulkan_radeon.so'),
  'usr/share/vulkan/icd.d/virtio_icd.x86_64.json': icd('libvulkan_virtio.so'),
};

describe('vulkanOutlook and hardwareObstacle', () => {
  it('a bare machine: no loader', () => {
    const { root, env } = machine({});
    const o = vulkanOutlook(env, root);
    expect(o.loader).toBeUndefined();
    expect(hardwareObstacle(o)).toBe('no Vulkan loader (libvulkan.so.1 is not installed; a GPU driver package brings it)');
    expect(vulkanMissing(o)).toBe(hardwareObstacle(o));
  });

  it('the loader without a driver (libvulkan1 alone), found in the usual folders, the ld.so cache or LD_LIBRARY_PATH', () => {
    const { root, env } = machine(LOADER);
    const o = vulkanOutlook(env, root);
    expect(o.loader).toBe(join(root, 'usr/lib/x86_64-linux-gnu/libvulkan.so.1'));
    expect(o.drivers).toEqual([]);
    expect(o.searched).toContain(join(root, 'usr/share/vulkan/icd.d'));
    expect(o.searched).toContain(join(root, 'etc/vulkan/icd.d'));
    expect(o.searched).toContain(join(root, 'home/user/.local/share/vulkan/icd.d'));
    expect(hardwareObstacle(o)).toMatch(/^no Vulkan driver \(no driver manifest in .*usr\/share\/vulkan\/icd\.d/);
    const cached = machine({ 'etc/ld.so.cache': 'ld.so-1.7.0\0libc.so.6\0libvulkan.so.1\0/lib/x86_64-linux-gnu/libvulkan.so.1\0' });
    expect(vulkanOutlook(cached.env, cached.root).loader).toBe('ld.so.cache');
    const bare = machine({});
    const own = machine({ 'opt/vk/libvulkan.so.1': '' });
    expect(vulkanOutlook({ ...bare.env, LD_LIBRARY_PATH: `/nowhere:${join(own.root, 'opt/vk')}` }, bare.root).loader).toBe(join(own.root, 'opt/vk/libvulkan.so.1'));
  });

  it("only lavapipe: 'auto' would not use it, so Dawn is not asked", () => {
    const { root, env } = machine({ ...LOADER, 'usr/share/vulkan/icd.d/lvp_icd.x86_64.json': icd('libvulkan_lvp.so') });
    const o = vulkanOutlook(env, root);
    expect(o.drivers).toEqual([{ file: join(root, 'usr/share/vulkan/icd.d/lvp_icd.x86_64.json'), library: 'libvulkan_lvp.so', software: true }]);
    expect(hardwareObstacle(o)).toBe("only a software Vulkan driver (libvulkan_lvp.so) — slow; use it anyway with initBackend('webgpu') / TFAI_BACKEND=webgpu / --backend webgpu");
    expect(vulkanMissing(o)).toBeUndefined();
  });

  it("Mesa's hardware drivers without a GPU device: no hardware adapter is possible", () => {
    const { root, env } = machine({ ...LOADER, ...MESA });
    const o = vulkanOutlook(env, root);
    expect(o.drivers.filter((d) => !d.software).map((d) => d.library).sort()).toEqual(['libvulkan_intel.so', 'libvulkan_radeon.so', 'libvulkan_virtio.so']);
    expect(o.devices).toEqual([]);
    expect(hardwareObstacle(o)).toBe("no GPU device (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg); the software driver here (libvulkan_lvp.so) is slow: use it anyway with initBackend('webgpu') / TFAI_BACKEND=webgpu / --backend webgpu");
  });

  it('a GPU device and a hardware driver: Dawn may find an adapter (no obstacle)', () => {
    for (const device of ['dev/dri/renderD128', 'dev/nvidia0', 'dev/dxg']) {
      const { root, env } = machine({ ...LOADER, ...MESA, [device]: '', 'dev/dri/card0': '' });
      const o = vulkanOutlook(env, root);
      expect(o.devices).toEqual([`/${device}`]);
      expect(hardwareObstacle(o)).toBeUndefined();
    }
    const nv = machine({ ...LOADER, 'etc/vulkan/icd.d/nvidia_icd.json': icd('libGLX_nvidia.so.0'), 'dev/nvidia0': '', 'dev/nvidiactl': '' });
    expect(vulkanOutlook(nv.env, nv.root).devices).toEqual(['/dev/nvidia0']);
    expect(hardwareObstacle(vulkanOutlook(nv.env, nv.root))).toBeUndefined();
  });

  it('VK_ICD_FILENAMES / VK_DRIVER_FILES replace the search, as for the loader; a broken manifest is skipped', () => {
    const { root, env } = machine({ ...LOADER, ...MESA, 'dev/dri/renderD128': '', 'x/broken.json': '{ nope', 'x/sw.json': icd('libvk_swiftshader.so') });
    expect(hardwareObstacle(vulkanOutlook({ ...env, VK_ICD_FILENAMES: '/nonexistent' }, root))).toBe('no Vulkan driver (no driver manifest in /nonexistent)');
    const only = vulkanOutlook({ ...env, VK_DRIVER_FILES: `${join(root, 'x')}` }, root);
    expect(only.drivers.map((d) => [d.library, d.software])).toEqual([['libvk_swiftshader.so', true]]);
    expect(hardwareObstacle(only)).toMatch(/^only a software Vulkan driver \(libvk_swiftshader\.so\)/);
    const added = vulkanOutlook({ ...env, VK_ADD_DRIVER_FILES: join(root, 'x/sw.json') }, root);
    expect(added.drivers).toHaveLength(5);
  });
});

describe("the child process's answer", () => {
  it('reads the adapter, or says why there is none in Dawn\'s words, without its source locations', () => {
    expect(readChildProbe('\n{"vendor":"mesa","architecture":"software","isFallbackAdapter":false}\n', '')).toEqual({ ok: true, info: { vendor: 'mesa', architecture: 'software', isFallbackAdapter: false } });
    const dawn = 'Warning: vkCreateInstance: Found no drivers!\nWarning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)\n';
    expect(readChildProbe('\nnull\n', dawn)).toEqual({ ok: false, reason: 'no adapter: Dawn found no usable GPU driver (vkCreateInstance: Found no drivers!; vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER)' });
    expect(readChildProbe('', 'Segmentation fault\n')).toEqual({ ok: false, reason: 'Dawn failed: Segmentation fault' });
    expect(readChildProbe('', '', true)).toEqual({ ok: false, reason: 'Dawn did not answer in time' });
  });
});
