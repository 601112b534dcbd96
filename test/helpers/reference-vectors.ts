/** The PyTorch reference vectors (../shared/reference/pytorch-vectors.json, else the copy in test/fixtures). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [resolve(here, '../../../shared/reference/pytorch-vectors.json'), resolve(here, '../fixtures/pytorch-vectors.json')];

/** The parsed reference file (a copy lives in test/fixtures so a clean clone has it too). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ref: any = JSON.parse(readFileSync(candidates.find((p) => { try { readFileSync(p); return true; } catch { return false; } })!, 'utf8'));
