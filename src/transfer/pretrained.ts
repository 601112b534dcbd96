/**
 * Where pretrained weights come from: a file the user names, or torchvision's published file for
 * the architecture found in a cache folder. tfai downloads nothing: when the file is missing, the
 * error says which file, from where, and where to put it.
 */
import * as fs from '../platform/fs.js';
import * as path from '../platform/path.js';
import { env, homeDir } from '../platform/process.js';
import type { WeightsFile } from '../models/zoo/torchvision/arch.js';

/** The folders searched for `pretrained: true`, in order, each with why it is searched. */
export function weightsDirs(dir?: string): {
  /** The folder. */
  dir: string;
  /** Why it is searched: `the weightsDir option`, `TFAI_WEIGHTS_DIR`, `tfai's cache` or `PyTorch's download cache`. */
  why: string;
}[] {
  const cache = env('XDG_CACHE_HOME') || path.join(homeDir(), '.cache');
  const own = dir ?? env('TFAI_WEIGHTS_DIR');
  const torchHome = env('TORCH_HOME') || path.join(cache, 'torch');
  return [
    own ? { dir: own, why: dir ? 'the weightsDir option' : 'TFAI_WEIGHTS_DIR' } : { dir: path.join(cache, 'tfai', 'weights'), why: "tfai's cache" },
    { dir: path.join(torchHome, 'hub', 'checkpoints'), why: "PyTorch's download cache" },
  ];
}

/**
 * The path of `weights.file` in the first of `weightsDirs(dir)` that has it.
 * @throws Error naming the file, the URL to download it from and the folder to put it in.
 */
export async function findPretrained(arch: string, weights: WeightsFile, dir?: string): Promise<string> {
  const dirs = weightsDirs(dir);
  for (const d of dirs) {
    const p = path.join(d.dir, weights.file);
    if (await fs.stat(p).then((s) => s.isFile(), () => false)) return p;
  }
  const target = path.join(dirs[0].dir, weights.file);
  throw new Error(
    `pretrained weights for ${arch}: ${weights.file} is not on this machine (looked in ${dirs.map((d) => `${d.dir} (${d.why})`).join(' and ')}). ` +
      `tfai downloads nothing: download ${weights.url} and put it at ${target}, e.g. \`curl -L --create-dirs -o ${target} ${weights.url}\` ` +
      `(or set TFAI_WEIGHTS_DIR to the folder that holds it), or pass pretrained: '<path to a .pth or .safetensors file>'.`,
  );
}
