/**
 * The one TensorFlow.js instance tfai uses. `@tensorflow/tfjs` (the union package) brings the
 * ops, the gradient registry and the chained tensor methods (`x.sum()`); the wasm backend is
 * registered beside it. Users import `tf` from `tfai` so they share this engine.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

// TF.js's cpu backend prints an "install tfjs-node" banner on first use in Node; tfai chooses and
// reports the backend itself (`initBackend`), so run in PROD mode, which silences such warnings.
tf.env().set('PROD', true);

export { tf };
