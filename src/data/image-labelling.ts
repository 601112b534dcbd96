/**
 * fastai's ways to label and split a set of image files (Node: they list folders and read CSV
 * files): by folder (`train/` and `valid/` folders, or a random split; the label is the image's
 * parent folder), by a function of the file name, by a regular expression on it, or by a CSV
 * file. The class list is the training labels, sorted (or the list given); every label is checked
 * against it, so a train and a valid split always agree on what label 3 means.
 */
import { readFile } from '../platform/fs.js';
import { basename, dirname, join } from '../platform/path.js';
import { makeRng, permutation, random } from '../core/rng.js';
import { describeFsError } from '../io/fs-errors.js';
import { parseCsv } from './csv.js';
import { listImageFiles, reportIgnored, type ImageFileList } from './image-files.js';

/** Labelled files split into training and validation. */
export interface LabelledImages {
  /** Training files. */
  trainFiles: string[];
  /** Their labels (indices into `classes`). */
  trainLabels: Int32Array;
  /** Validation files. */
  validFiles: string[];
  /** Their labels. */
  validLabels: Int32Array;
  /** Class names, indexed by label. */
  classes: string[];
}

/** How to split files into training and validation at random. */
export interface RandomSplitOptions {
  /** Fraction of the files for validation, in [0, 1). */
  validPct?: number;
  /** Seed of the split (default: drawn from the global generator, `setSeed`). */
  seed?: number;
  /** The class list (label = index); default the training labels, sorted. */
  classes?: readonly string[];
}

/** Check a class list: non-empty names, no duplicates (they would give two names one label). */
export function checkClasses(who: string, classes: readonly string[]): string[] {
  const seen = new Map<string, number>();
  classes.forEach((c, i) => {
    if (typeof c !== 'string' || c === '') throw new RangeError(`${who}: classes[${i}] must be a non-empty string, got ${JSON.stringify(c)}`);
    const j = seen.get(c);
    if (j !== undefined) throw new RangeError(`${who}: classes has '${c}' twice (at ${j} and ${i}); each class must appear once, or its images would get the label of one of them only`);
    seen.set(c, i);
  });
  if (classes.length === 0) throw new RangeError(`${who}: classes is empty`);
  return [...classes];
}

/**
 * Turn (file, label name, is-valid) triples into labelled splits. The classes are `classes` or the
 * sorted training labels.
 * @throws Error naming a file whose label is not a class, or when the training split is empty.
 */
export function labelItems(who: string, files: readonly string[], names: readonly string[], isValid: ArrayLike<boolean>, classes?: readonly string[]): LabelledImages {
  const trainIdx: number[] = [];
  const validIdx: number[] = [];
  for (let i = 0; i < files.length; i++) (isValid[i] ? validIdx : trainIdx).push(i);
  if (trainIdx.length === 0) throw new Error(`${who}: no training images (${files.length} images, all in the validation split)`);
  const vocab = classes ? checkClasses(who, classes) : [...new Set(trainIdx.map((i) => names[i]))].sort();
  const index = new Map(vocab.map((c, k) => [c, k]));
  const label = (i: number): number => {
    const k = index.get(names[i]);
    if (k === undefined) {
      const why = classes ? `the class list is [${vocab.join(', ')}]` : `no training image has that label (the classes are the training labels: [${vocab.join(', ')}])`;
      throw new Error(`${who}: ${files[i]} has label '${names[i]}', which is not a class: ${why}`);
    }
    return k;
  };
  return {
    trainFiles: trainIdx.map((i) => files[i]),
    trainLabels: Int32Array.from(trainIdx, label),
    validFiles: validIdx.map((i) => files[i]),
    validLabels: Int32Array.from(validIdx, label),
    classes: vocab,
  };
}

/** fastai's `RandomSplitter`: a seeded permutation, the first `validPct` of it for validation. */
export function randomSplit(who: string, n: number, validPct: number, seed?: number): boolean[] {
  if (!(validPct >= 0 && validPct < 1)) throw new RangeError(`${who}: validPct must be in [0, 1), got ${validPct}`);
  if (seed !== undefined && !Number.isFinite(seed)) throw new RangeError(`${who}: seed must be a finite number, got ${seed}`);
  const order = permutation(n, seed === undefined ? random : makeRng(seed));
  const cut = Math.floor(validPct * n);
  const out = new Array<boolean>(n).fill(false);
  for (let i = 0; i < cut; i++) out[order[i]] = true;
  return out;
}

async function listOrFail(dir: string, who: string): Promise<ImageFileList> {
  const list = await listImageFiles(dir, who);
  reportIgnored(who, list.ignored);
  if (list.files.length === 0) throw new Error(`${who}: no .jpg, .jpeg, .png or .webp images in ${dir} or its sub-folders`);
  return list;
}

/** Options of `labelFromFolder`. */
export interface FromFolderOptions extends RandomSplitOptions {
  /** The training folder under `dir` (default `'train'`); used when `validPct` is not given. */
  train?: string;
  /** The validation folder under `dir` (default `'valid'`). */
  valid?: string;
}

/**
 * fastai's `from_folder`: without `validPct`, the images under `dir/<train>` and `dir/<valid>`;
 * with it, every image under `dir`, split at random. The label is each image's parent folder.
 * @throws Error naming the missing folder, an image with no class folder, or a label not in `classes`.
 */
export async function labelFromFolder(dir: string, opts: FromFolderOptions = {}): Promise<LabelledImages> {
  const who = 'ImageDataBunch.fromFolder';
  const files: string[] = [];
  const isValid: boolean[] = [];
  const roots: string[] = [];
  if (opts.validPct === undefined) {
    for (const [name, valid] of [[opts.train ?? 'train', false], [opts.valid ?? 'valid', true]] as const) {
      const root = join(dir, name);
      const list = await listOrFail(root, who).catch((e: Error) => {
        throw new Error(`${e.message}${/cannot read folder/.test(e.message) ? ` (without validPct, ${dir} must hold a '${opts.train ?? 'train'}' and a '${opts.valid ?? 'valid'}' folder; give validPct to split its images at random)` : ''}`, { cause: e });
      });
      roots.push(root);
      for (const f of list.files) {
        files.push(f);
        isValid.push(valid);
      }
    }
  } else {
    const list = await listOrFail(dir, who);
    roots.push(dir);
    files.push(...list.files);
    isValid.push(...randomSplit(who, files.length, opts.validPct, opts.seed));
  }
  const names = files.map((f) => {
    const parent = dirname(f);
    if (roots.includes(parent)) throw new Error(`${who}: ${f} is not in a class folder (the label is the image's folder: put it in ${join(parent, '<class>')}/)`);
    return basename(parent);
  });
  return labelItems(who, files, names, isValid, opts.classes);
}

/** Files given as a list, or every image under a folder. */
async function filesOf(who: string, filesOrDir: string | readonly string[]): Promise<string[]> {
  if (typeof filesOrDir !== 'string') {
    if (filesOrDir.length === 0) throw new Error(`${who}: the list of files is empty`);
    return [...filesOrDir];
  }
  return (await listOrFail(filesOrDir, who)).files;
}

/**
 * fastai's `from_name_func`: labels from `labelFunc(fileName, path)`, a random split (`validPct`
 * default 0.2).
 * @throws Error naming a file whose label is not a non-empty string.
 */
export async function labelFromNameFunc(filesOrDir: string | readonly string[], labelFunc: (name: string, path: string) => string, opts: RandomSplitOptions = {}, who = 'ImageDataBunch.fromNameFunc'): Promise<LabelledImages> {
  const files = await filesOf(who, filesOrDir);
  const names = files.map((f) => {
    const label = labelFunc(basename(f), f);
    if (typeof label !== 'string' || label === '') throw new Error(`${who}: the label function gave ${JSON.stringify(label)} for ${f}; it must return a non-empty string`);
    return label;
  });
  return labelItems(who, files, names, randomSplit(who, files.length, opts.validPct ?? 0.2, opts.seed), opts.classes);
}

/**
 * fastai's `from_name_re`: the label is the first group of `pattern` matched on the file name (the
 * Oxford pets: `/^(.*)_\d+\.jpg$/`).
 * @throws Error naming the first file the pattern does not match.
 */
export async function labelFromNameRe(filesOrDir: string | readonly string[], pattern: RegExp | string, opts: RandomSplitOptions = {}): Promise<LabelledImages> {
  const who = 'ImageDataBunch.fromNameRe';
  const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  return labelFromNameFunc(
    filesOrDir,
    (name, path) => {
      const m = re.exec(name);
      if (!m) throw new Error(`${who}: the pattern ${re} does not match the file name '${name}' (${path})`);
      if (m[1] === undefined) throw new Error(`${who}: the pattern ${re} has no group to take the label from (put the label in parentheses)`);
      return m[1];
    },
    opts,
    who,
  );
}

/** Options of `labelFromCsv`. */
export interface FromCsvOptions extends RandomSplitOptions {
  /** The column of file names: an index or a header name (default 0). */
  fnCol?: number | string;
  /** The column of labels (default 1). */
  labelCol?: number | string;
  /**
   * A column saying which rows are validation (`true`/`1`/`yes`, any case); without it the split is
   * random with `validPct` (default 0.2).
   */
  validCol?: number | string;
  /** The folder under `dir` the file names are relative to (default `dir` itself). */
  folder?: string;
  /** A suffix added to every file name (e.g. `'.jpg'`). */
  suff?: string;
  /** Whether the first row names the columns (default true). */
  header?: boolean;
  /** Field delimiter (default `','`). */
  delimiter?: string;
}

/**
 * fastai's `from_csv`: `dir/<csvFile>` lists the files (relative to `dir/<folder>`) and their labels,
 * optionally which are validation.
 * @throws Error naming the CSV file and the line of a missing column or empty field.
 */
export async function labelFromCsv(dir: string, csvFile = 'labels.csv', opts: FromCsvOptions = {}): Promise<LabelledImages> {
  const who = 'ImageDataBunch.fromCsv';
  const path = join(dir, csvFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${who}: cannot read ${path}: ${describeFsError(e)}`, { cause: e });
  }
  const rows = parseCsv(text, opts.delimiter ?? ',').filter((r) => !(r.length === 1 && r[0].trim() === ''));
  const header = opts.header ?? true;
  const head = header ? rows.shift() : undefined;
  if (rows.length === 0) throw new Error(`${who}: ${path} has no data rows`);
  const column = (c: number | string, what: string): number => {
    if (typeof c === 'number') {
      if (!(Number.isInteger(c) && c >= 0)) throw new RangeError(`${who}: ${what} must be a column index >= 0 or a header name, got ${c}`);
      return c;
    }
    const k = head ? head.indexOf(c) : -1;
    if (k < 0) throw new Error(`${who}: ${path} has no column '${c}' (${what})${head ? `; its columns are ${head.join(', ')}` : ' (no header row: use column numbers)'}`);
    return k;
  };
  const fn = column(opts.fnCol ?? 0, 'fnCol');
  const lab = column(opts.labelCol ?? 1, 'labelCol');
  const val = opts.validCol === undefined ? undefined : column(opts.validCol, 'validCol');
  const base = join(dir, opts.folder ?? '');
  const files: string[] = [];
  const names: string[] = [];
  const valid: boolean[] = [];
  rows.forEach((r, i) => {
    const line = i + (header ? 2 : 1);
    const get = (k: number, what: string): string => {
      const v = r[k];
      if (v === undefined || v.trim() === '') throw new Error(`${who}: ${path} line ${line}: no ${what} (column ${k})`);
      return v.trim();
    };
    files.push(join(base, get(fn, 'file name') + (opts.suff ?? '')));
    names.push(get(lab, 'label'));
    if (val !== undefined) valid.push(/^(true|1|yes|y|t)$/i.test(get(val, 'is-valid value')));
  });
  const isValid = val !== undefined ? valid : randomSplit(who, files.length, opts.validPct ?? 0.2, opts.seed);
  return labelItems(who, files, names, isValid, opts.classes);
}
