/** Random names and hashes: Node's `crypto`. In a browser build `crypto.browser.ts` takes its place. */
import { createHash as nodeCreateHash, randomBytes } from 'node:crypto';

/** `n` random bytes as `2n` hex digits (for temporary file names and lock tokens). */
export function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** An incremental hash (`sha256`, `md5`) whose `digest('hex')` is the hex string. */
export type Hash = { update(data: Uint8Array | string): Hash; digest(encoding: 'hex'): string };

/** A new hash of `algorithm` (`'sha256'` or `'md5'`). */
export function createHash(algorithm: 'sha256' | 'md5'): Hash {
  return nodeCreateHash(algorithm);
}
