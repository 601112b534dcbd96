/// <reference types="@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops" preserve="true" />
/**
 * The one TensorFlow.js instance tfai uses: `@tensorflow/tfjs-core` (ops, engine, optimizers), the
 * gradient registry and the chained tensor methods (`x.sum()`), and the cpu and wasm backends.
 * Users import `tf` from `tfai` so they share this engine.
 *
 * tfjs-core's Node entry registers neither gradients nor chained methods (the `@tensorflow/tfjs`
 * union does, by inlining core's `register_all_gradients` and `register_all_chained_ops`); tfai
 * loads the same registrations from `vendor/tfjs-core-gradients.js`, generated from the pinned
 * tfjs-core by `scripts/vendor-tfjs-gradients.mjs`. Core is imported first so that its engine and
 * Tensor class are the ones the registrations attach to. The reference above brings the chained
 * methods' types (tfjs-core declares them as augmentations of its Tensor) into tfai's declarations.
 */
import * as tf from '@tensorflow/tfjs-core';
import './vendor/tfjs-core-gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { guardUninitialisedBackend } from './backend-guard.js';
import { registerCpuTransform } from './cpu-transform.js';

// TF.js's cpu backend prints an "install tfjs-node" banner on first use in Node; tfai chooses and
// reports the backend itself (`initBackend`), so run in PROD mode, which silences such warnings.
tf.env().set('PROD', true);

// Forgetting `initBackend()` is one line saying so, not TF.js starting wasm from inside an op.
guardUninitialisedBackend(tf.engine());

// tfjs-backend-cpu 4.22's Transform (tf.image.transform) fills every image after the first.
registerCpuTransform();

export { tf };
