/** Switch the test's backend through tfai (so wasm gets tfai's training kernels), quietly. */
import { initBackend } from '../../src/index.js';
import { BackendName } from '../../src/backend/init-backend.js';

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend(name, { log: () => {} });
}
