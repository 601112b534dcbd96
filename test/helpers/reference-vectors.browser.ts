/** The PyTorch reference vectors in a page (the browser unit suite): the copy in test/fixtures. */
import vectors from '../fixtures/pytorch-vectors.json';

/** The parsed reference file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ref: any = vectors;
