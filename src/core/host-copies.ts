/**
 * Copies of device data to the host that run in the background (such as `ActivationStats`'
 * batched reads), made complete before a fit returns. On a GPU a synchronous read stalls the
 * device, and WebGPU in Node has none at all, so whatever such an owner holds is read only after
 * `await owner.flush()`: `Runner.fit` awaits `settleHostCopies()` before it returns, so the numbers
 * recorded during a fit are on the host when `fit` resolves.
 */

/** Something that copies device data to the host and can be awaited until it has. */
export type HostCopier = { flush(): Promise<void> };

const outstanding = new Set<HostCopier>();

/** Note that `owner` has device data not yet on the host (idempotent). */
export function hostCopyPending(owner: HostCopier): void {
  outstanding.add(owner);
}

/** Note that `owner` has nothing left on the device (idempotent). */
export function hostCopyDone(owner: HostCopier): void {
  outstanding.delete(owner);
}

/** Await `flush()` of every owner with outstanding device data. */
export async function settleHostCopies(): Promise<void> {
  for (const owner of [...outstanding]) await owner.flush();
}
