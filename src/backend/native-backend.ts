/**
 * TensorFlow's native backend (`tensorflow`): `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`,
 * optional packages loaded by name when asked for. Node only: in a browser build
 * `native-backend.browser.ts` takes this module's place and says so.
 */

/** Which native package: with CUDA, or CPU only. */
export type NativeDevice = 'gpu' | 'cpu';

const NATIVE_PACKAGES: Record<NativeDevice, string> = { gpu: '@tensorflow/tfjs-node-gpu', cpu: '@tensorflow/tfjs-node' };

/** Whether this platform can have the native backend at all (false in a page). */
export const NATIVE_POSSIBLE: boolean = true;

/**
 * Load the first of `devices`' packages that loads (it registers the `tensorflow` backend).
 * @returns the device loaded, or why none could be (each package's reason).
 */
export async function loadNative(devices: NativeDevice[]): Promise<{ device: NativeDevice } | { reason: string }> {
  const reasons: string[] = [];
  for (const d of devices) {
    const pkg = NATIVE_PACKAGES[d];
    try {
      await import(/* @vite-ignore */ pkg);
      return { device: d };
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      reasons.push(`${pkg}: ${/Cannot find (module|package)/.test(msg) ? 'not installed' : msg}`);
    }
  }
  return { reason: reasons.join('; ') };
}
