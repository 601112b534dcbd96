/** The page's `native-backend.ts`: TensorFlow's native backend is a Node add-on, never in a page. */
import type * as NodeNative from './native-backend.js';

export type { NativeDevice } from './native-backend.js';

export const NATIVE_POSSIBLE: typeof NodeNative.NATIVE_POSSIBLE = false;

export const loadNative: typeof NodeNative.loadNative = async () => ({ reason: 'a Node add-on (@tensorflow/tfjs-node), not available in a browser' });
