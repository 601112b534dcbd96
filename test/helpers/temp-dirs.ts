/** Fresh, empty folders for a test file, all under one temporary folder removed after its tests. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Returns a function that makes a new empty folder each call (under `<tmp>/<prefix>…`, removed after the file's tests). */
export function tempDirs(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const d = join(root, String(n++));
    mkdirSync(d, { recursive: true });
    return d;
  };
}
