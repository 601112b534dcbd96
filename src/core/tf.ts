/**
 * The one TensorFlow.js instance tfai uses. `@tensorflow/tfjs` (the union package) brings the
 * ops, the gradient registry and the chained tensor methods (`x.sum()`); the wasm backend is
 * registered beside it. Users import `tf` from `tfai` so they share this engine.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
