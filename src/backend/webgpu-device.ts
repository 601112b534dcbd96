/**
 * Opening a WebGPU device, the same in Node (Dawn) and in a page: the shapes of adapter and device
 * that tfai uses, and a device asked for the adapter's own limits (TF.js's kernels then size their
 * workgroups and buffers to the hardware, not to WebGPU's defaults).
 */
/** What WebGPU says about an adapter (`GPUAdapter.info`, from Dawn or the browser); every field may be missing or empty. */
export type GpuAdapterInfo = {
  /** The GPU's vendor (`nvidia`, `mesa`, …). */
  vendor?: string;
  /** Its architecture (`ampere`, `software`, …). */
  architecture?: string;
  /** The device name. */
  device?: string;
  /** The driver's description. */
  description?: string;
  /** Whether it is a fallback (CPU) adapter. */
  isFallbackAdapter?: boolean;
};

/** What tfai uses of a `GPUDevice`. */
export type GpuDevice = { lost: Promise<{ reason?: string; message?: string }>; destroy(): void };

/** What tfai uses of a `GPUAdapter`. */
export type GpuAdapter = {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(desc: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
};

/** The limits asked for at the adapter's own values. */
const RAISED_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];

/**
 * A device of `adapter` with its own limits (and timestamp queries where it has them); when it is
 * lost while `inUse()` says tfai is running on it, the loss and its reason are printed.
 */
export async function openDevice(adapter: GpuAdapter, inUse: () => boolean): Promise<GpuDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) {
    if (typeof adapter.limits[k] === 'number') requiredLimits[k] = adapter.limits[k];
  }
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  device.lost.then(
    (l) => {
      if (inUse()) console.error(`tfai: the WebGPU device was lost (${l.reason ?? 'unknown'}: ${l.message ?? ''})`);
    },
    () => {},
  );
  return device;
}
