/**
 * The documentation's code cannot rot: every ```ts block of README.md and docs/ typechecks against
 * the source, and the blocks marked ```ts runnable run. The helper itself is tested on blocks that
 * are broken on purpose, so a check that passes everything would fail here.
 */
import { describe, expect, it } from 'vitest';
import { allSnippets, extractSnippets, runSnippet, typecheckSnippets, type Snippet } from './helpers/snippets.js';

const snippets = allSnippets();

describe('documentation snippets', () => {
  it('README.md and docs/ have ts blocks, some of them runnable', () => {
    expect(snippets.length).toBeGreaterThan(20);
    expect(snippets.filter((s) => s.file === 'README.md').length).toBeGreaterThan(0);
    expect(snippets.filter((s) => s.runnable).length).toBeGreaterThan(0);
  });

  it('every ts block typechecks against the source', () => {
    const problems = typecheckSnippets(snippets);
    expect(problems.map((p) => `${p.where}: ${p.message}`)).toEqual([]);
  });

  for (const s of snippets.filter((x) => x.runnable)) {
    it(`runs ${s.file}:${s.line}`, async () => {
      await runSnippet(s);
    });
  }
});

describe('the snippet checker', () => {
  const md = [
    '# A page',
    '',
    '<!-- snippet-context',
    "import { Learner } from 'tfai';",
    'declare const learn: Learner;',
    '-->',
    '',
    '```ts',
    'await learn.save(42);',
    '```',
    '',
    '```ts runnable',
    "import { schedLin } from 'tfai';",
    "if (schedLin(1, 2)(0.5) !== 1.5) throw new Error('schedLin(1, 2)(0.5) is not 1.5');",
    '```',
    '',
    '```sh',
    'not checked',
    '```',
    '',
    '````md',
    '```ts',
    'a ts block shown as text inside another block: not checked',
    '```',
    '````',
  ].join('\n');

  it('finds ts blocks with their line, hidden context and runnable mark', () => {
    const found = extractSnippets(md, 'page.md');
    expect(found.map((s) => [s.line, s.runnable, s.context])).toEqual([
      [9, false, "import { Learner } from 'tfai';\ndeclare const learn: Learner;"],
      [13, true, ''],
    ]);
  });

  it('reports a broken snippet at its line in the Markdown file', () => {
    const [broken, good] = extractSnippets(md, 'page.md');
    const problems = typecheckSnippets([broken, good]);
    expect(problems).toHaveLength(1);
    expect(problems[0].where).toBe('page.md:9');
    expect(problems[0].message).toMatch(/number.*not assignable.*string/);
  });

  it('reports a name the source does not export, and an error in the hidden context', () => {
    const s = (code: string, context = ''): Snippet => ({ file: 'p.md', line: 3, code, context, runnable: false });
    const problems = typecheckSnippets([s("import { NoSuchThing } from 'tfai';\nNoSuchThing();"), s('const x = 1;', 'declare const y: NoSuchType;')]);
    expect(problems.map((p) => p.where)).toEqual(['p.md:3', 'p.md:3 (hidden context line 1)']);
  });

  it('runs a runnable snippet and fails when it throws', async () => {
    const [, good] = extractSnippets(md, 'page.md');
    await runSnippet(good);
    const bad: Snippet = { ...good, code: good.code.replace('1.5)', '1.25)') };
    await expect(runSnippet(bad)).rejects.toThrow(/page\.md:13: the runnable snippet failed[\s\S]*schedLin/);
  });
});
