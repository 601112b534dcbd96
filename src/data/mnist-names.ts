/** The standard MNIST file names (shared by MNIST and Fashion-MNIST, in Node and in a page). */

/** The standard MNIST file names (each may also be present with a `.gz` suffix). */
export const MNIST_FILES = {
  /** Training images. */
  trainImages: 'train-images-idx3-ubyte',
  /** Training labels. */
  trainLabels: 'train-labels-idx1-ubyte',
  /** Validation (test) images. */
  validImages: 't10k-images-idx3-ubyte',
  /** Validation (test) labels. */
  validLabels: 't10k-labels-idx1-ubyte',
} as const;
