/** Which archive member paths an extraction writes, and where (shared by Node and the page's stand-in). */

/**
 * The path of member `name` relative to the destination, or an error saying why it is refused:
 * absolute, a drive letter, a `..` component, a NUL, or nothing left (the destination itself).
 */
export function memberPath(name: string): string | Error {
  const why = (reason: string): Error => new Error(`refusing member '${name}': ${reason}`);
  if (name.includes('\0')) return why('its path holds a NUL character');
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) return why('an absolute path, outside the destination');
  const parts = unified.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return why("its path has a '..' component, which could lead outside the destination");
  if (!parts.length) return why('its path names the destination itself, not a file inside it');
  return parts.join('/');
}
