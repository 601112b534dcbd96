/** The shape of a kernel the kernel pool (`pool.ts`) can split across its threads. */

/** A kernel split into units: its own parameters, then the unit range `[u0, u1)`. */
export type UnitKernel = (...args: number[]) => void;
