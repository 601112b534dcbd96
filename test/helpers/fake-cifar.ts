/**
 * Writes a small CIFAR-10 binary release (official record format: 1 label byte + 3,072 bytes of
 * R, G, B planes) whose classes differ by colour and stripe pattern, so models can learn it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeFakeCifar(dir: string, perFile = 100, testCount = 200): void {
  mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const record = (label: number): Uint8Array => {
    const r = new Uint8Array(3073);
    r[0] = label;
    for (let c = 0; c < 3; c++) {
      const base = 40 + ((label * (c + 3) * 37) % 170);
      for (let i = 0; i < 1024; i++) {
        const stripe = ((i >> 5) + (i & 31)) % (2 + (label % 4)) === 0 ? 40 : 0;
        r[1 + c * 1024 + i] = Math.min(255, base + stripe + Math.floor(rnd() * 30));
      }
    }
    return r;
  };
  const file = (n: number, offset: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => record((i + offset) % 10)));
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), file(perFile, b));
  writeFileSync(join(dir, 'test_batch.bin'), file(testCount, 0));
  writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
}
