/** Switch the test's backend through tfai (so wasm gets tfai's training kernels), quietly. */
import { initBackend, type BackendName } from '../../src/index.js';

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend(name, { log: () => {} });
}
