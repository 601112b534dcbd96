/** Shared pieces of the two CIFAR-10 examples (public API only). */
import { loadCifar10, type ImageDataBunch } from '../src/index.js';

/** Load CIFAR-10 or exit with a message saying where the data should be and how to get it. */
export async function loadCifarOrExplain(opts: { dir: string; bs: number; subset: number; seed: number; augment?: boolean }): Promise<ImageDataBunch> {
  try {
    return await loadCifar10({ dir: opts.dir, bs: opts.bs, subset: opts.subset > 0 ? opts.subset : undefined, seed: opts.seed, augment: opts.augment });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`CIFAR-10 data is not available in '${opts.dir}':\n  ${msg}\n` +
      `Get it with \`downloadCifar10('${opts.dir}')\` (needs a network), or put the official binary release ` +
      `(data_batch_1.bin … data_batch_5.bin, test_batch.bin) or train/<class>/*.png + test/<class>/*.png there, ` +
      `then pass --data ${opts.dir}.`);
    process.exit(2);
  }
}

/** One line of the final table. */
export type ResultRow = Record<string, string>;

/** Print rows as an aligned plain-text table. */
export function printTable(rows: ResultRow[]): void {
  if (!rows.length) return;
  const head = Object.keys(rows[0]);
  const w = head.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i])).join('  ');
  console.log(`\n${line(head)}\n${line(w.map((n) => '-'.repeat(n)))}\n${rows.map((r) => line(head.map((h) => r[h] ?? ''))).join('\n')}`);
}
