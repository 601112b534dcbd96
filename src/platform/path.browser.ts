/**
 * POSIX paths for a page (the browser's stand-in for `path.ts`): the same functions as Node's
 * `path.posix`, with `/` as the working directory.
 */
import type * as NodePath from './path.js';

/** The path separator. */
export const sep: typeof NodePath.sep = '/';

/** `a/./b/../c` → `a/c`, keeping a leading `/` and leading `..` of a relative path. */
function normalizeParts(p: string, absolute: boolean): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(part);
  }
  return out.join('/');
}

export const isAbsolute: typeof NodePath.isAbsolute = (p) => p.startsWith('/');

export const normalize: typeof NodePath.normalize = (p) => {
  if (p === '') return '.';
  const abs = isAbsolute(p);
  const body = normalizeParts(p, abs);
  const trail = p.endsWith('/') && body ? '/' : '';
  return (abs ? '/' : '') + (body || (abs ? '' : '.')) + trail;
};

export const join: typeof NodePath.join = (...parts) => {
  const joined = parts.filter((x) => x !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
};

export const resolve: typeof NodePath.resolve = (...parts) => {
  let p = '';
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(p); i--) if (parts[i]) p = p ? `${parts[i]}/${p}` : parts[i];
  return `/${normalizeParts(p, true)}`;
};

export const dirname: typeof NodePath.dirname = (p) => {
  if (p === '') return '.';
  const hasRoot = p.startsWith('/');
  let end = -1;
  let matchedSlash = true;
  for (let i = p.length - 1; i >= 1; i--) {
    if (p[i] === '/') {
      if (!matchedSlash) {
        end = i;
        break;
      }
    } else matchedSlash = false;
  }
  if (end === -1) return hasRoot ? '/' : '.';
  if (hasRoot && end === 1) return '//';
  return p.slice(0, end);
};

export const basename: typeof NodePath.basename = (p, ext) => {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
};

export const extname: typeof NodePath.extname = (p) => {
  const base = basename(p);
  const i = base.lastIndexOf('.');
  return i <= 0 || base === '..' ? '' : base.slice(i);
};

export const relative: typeof NodePath.relative = (from, to) => {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
};
