/**
 * Code blocks of the documentation as tests: every ```ts block of README.md and docs/ is
 * typechecked against the source (`'tfai'` and its sub-paths map to `src/`), and blocks marked
 * ```ts runnable also run (tsx, in a child process).
 *
 * A block may declare context the reader does not need to see, in an HTML comment right before it:
 *
 *     <!-- snippet-context
 *     import { Learner } from 'tfai';
 *     declare const learn: Learner;
 *     -->
 *
 * Each block is its own module (top-level `await` works; names do not clash across blocks).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

/** The repository's root. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** One ```ts block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** Line of the block's first code line in that file (1-based). */
  readonly line: number;
  /** The block's code, as shown. */
  readonly code: string;
  /** Hidden setup lines from a `<!-- snippet-context … -->` comment before the block. */
  readonly context: string;
  /** Whether the block is marked to run (```ts runnable). */
  readonly runnable: boolean;
}

/** A problem found in a snippet, located in its Markdown file. */
export interface SnippetProblem {
  /** `file:line` in the Markdown file. */
  readonly where: string;
  /** What is wrong. */
  readonly message: string;
}

const FENCE = /^(`{3,}|~{3,})\s*([^`\s]*)(.*)$/;

/** Whether `line` closes a block opened by `fence` (the same character, at least as many, nothing else). */
function closes(line: string, fence: string): boolean {
  const t = line.trimEnd();
  return t.length >= fence.length && t === fence[0].repeat(t.length);
}

/** The ```ts blocks of `markdown` (the text of `file`); blocks inside other fences are text, not code. */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, fence, lang, rest] = open;
    let end = i + 1;
    while (end < lines.length && !closes(lines[end], fence)) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: a code block is not closed`);
    if (lang === 'ts' || lang === 'typescript') {
      const flags = rest.split(/\s+/).filter(Boolean);
      out.push({ file, line: i + 2, code: lines.slice(i + 1, end).join('\n'), context: contextBefore(lines, i, file), runnable: flags.includes('runnable') });
    }
    i = end;
  }
  return out;
}

/** The body of a `<!-- snippet-context … -->` comment ending on the last non-blank line before `fence`. */
function contextBefore(lines: string[], fence: number, file: string): string {
  let j = fence - 1;
  while (j >= 0 && lines[j].trim() === '') j--;
  if (j < 0 || lines[j].trim() !== '-->') return '';
  let k = j;
  while (k >= 0 && !lines[k].startsWith('<!--')) k--;
  if (k < 0) return '';
  if (lines[k].trim() !== '<!-- snippet-context') throw new Error(`${file}:${k + 1}: a comment right before a \`\`\`ts block must be \`<!-- snippet-context\` (or move it)`);
  return lines.slice(k + 1, j).join('\n');
}

/** README.md and every Markdown file under docs/ (not the generated API reference). */
export function docFiles(): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(repoRoot, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (rel === 'docs/api') continue;
      if (statSync(join(repoRoot, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files;
}

/** Every snippet of README.md and docs/. */
export function allSnippets(): Snippet[] {
  return docFiles().flatMap((f) => extractSnippets(readFileSync(join(repoRoot, f), 'utf8'), f));
}

/** `'tfai'` → src/index.ts, `'tfai/<sub>'` → src/<sub>/index.ts. */
const TFAI_PATHS: Record<string, string[]> = { tfai: ['src/index.ts'], 'tfai/*': ['src/*/index.ts'] };

function virtualName(s: Snippet, i: number): string {
  return join(repoRoot, '.snippets', `${s.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${s.line}_${i}.ts`);
}

function sourceOf(s: Snippet): { text: string; offset: number } {
  const ctx = s.context ? `${s.context}\n` : '';
  return { text: `${ctx}${s.code}\nexport {};\n`, offset: ctx ? ctx.split('\n').length - 1 : 0 };
}

/**
 * Typechecks `snippets` against the source with the project's compiler options; returns every
 * diagnostic located in its Markdown file (a line in the hidden context is reported as such).
 */
export function typecheckSnippets(snippets: readonly Snippet[]): SnippetProblem[] {
  const cfg = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!cfg) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = { ...cfg.options, noEmit: true, baseUrl: repoRoot, paths: TFAI_PATHS, noUnusedLocals: false, noUnusedParameters: false };
  const files = new Map<string, { snippet: Snippet; text: string; offset: number }>();
  snippets.forEach((s, i) => files.set(virtualName(s, i), { snippet: s, ...sourceOf(s) }));
  const host = ts.createCompilerHost(options, true);
  const base = { getSourceFile: host.getSourceFile.bind(host), fileExists: host.fileExists.bind(host), readFile: host.readFile.bind(host) };
  host.fileExists = (f) => files.has(f) || base.fileExists(f);
  host.readFile = (f) => files.get(f)?.text ?? base.readFile(f);
  host.getSourceFile = (f, lang, onError, fresh) => {
    const v = files.get(f);
    return v ? ts.createSourceFile(f, v.text, lang, true, ts.ScriptKind.TS) : base.getSourceFile(f, lang, onError, fresh);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const problems: SnippetProblem[] = [];
  for (const [name, v] of files) {
    const sf = program.getSourceFile(name);
    if (!sf) throw new Error(`snippet ${v.snippet.file}:${v.snippet.line} was not compiled`);
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const inContext = line < v.offset;
      const where = inContext ? `${v.snippet.file}:${v.snippet.line} (hidden context line ${line + 1})` : `${v.snippet.file}:${v.snippet.line + line - v.offset}`;
      problems.push({ where, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
    }
  }
  return problems;
}

const run = promisify(execFile);

/** `'tfai'` / `'tfai/<sub>'` module specifiers rewritten to the source's index files. */
export function pointAtSource(code: string): string {
  return code.replace(/(['"])tfai(\/[a-z]+)?\1/g, (_m, q: string, sub: string | undefined) => `${q}${join(repoRoot, 'src', sub ? sub.slice(1) : '', 'index.ts')}${q}`);
}

/**
 * Runs a snippet as a user would run a script (tsx, a child process, in the repository), against the
 * source. Resolves to its output; rejects with the output when it exits with an error.
 */
export async function runSnippet(s: Snippet, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
  const dir = mkdtempSync(join(repoRoot, '.tfai-snippet-'));
  try {
    const file = join(dir, 'snippet.ts');
    writeFileSync(file, `${pointAtSource(sourceOf(s).text)}`);
    const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
    try {
      const { stdout, stderr } = await run(tsx, [file], { cwd: repoRoot, timeout: opts.timeoutMs ?? 60_000, env: { ...process.env, ...opts.env } });
      return stdout + stderr;
    } catch (e) {
      const err = e as { code?: number; signal?: string; stdout?: string; stderr?: string };
      throw new Error(`${s.file}:${s.line}: the runnable snippet failed (${err.signal ?? `exit code ${err.code}`}):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
