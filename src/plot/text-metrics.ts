/**
 * Text width estimates for layout. The advance widths (in em) of printable ASCII are those of
 * DejaVu Sans / DejaVu Sans Bold, the fonts PNG rendering uses, so measured boxes fit the drawn text.
 */

// prettier-ignore
const REGULAR: readonly number[] = [0.318,0.401,0.46,0.838,0.636,0.95,0.78,0.275,0.39,0.39,0.5,0.838,0.318,0.361,0.318,0.337,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.337,0.337,0.838,0.838,0.838,0.531,1,0.684,0.686,0.698,0.77,0.632,0.575,0.775,0.752,0.295,0.295,0.656,0.557,0.863,0.748,0.787,0.603,0.787,0.695,0.635,0.611,0.732,0.684,0.989,0.685,0.611,0.685,0.39,0.337,0.39,0.838,0.5,0.5,0.613,0.635,0.55,0.635,0.615,0.352,0.635,0.634,0.278,0.278,0.579,0.278,0.974,0.634,0.612,0.635,0.635,0.411,0.521,0.392,0.634,0.592,0.818,0.592,0.592,0.525,0.636,0.337,0.636,0.838];
// prettier-ignore
const BOLD: readonly number[] = [0.348,0.456,0.521,0.838,0.696,1.002,0.872,0.306,0.457,0.457,0.523,0.838,0.38,0.415,0.38,0.365,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.4,0.4,0.838,0.838,0.838,0.58,1,0.774,0.762,0.734,0.83,0.683,0.683,0.821,0.837,0.372,0.372,0.775,0.637,0.995,0.837,0.85,0.733,0.85,0.77,0.72,0.682,0.812,0.774,1.103,0.771,0.724,0.725,0.457,0.365,0.457,0.838,0.5,0.5,0.675,0.716,0.593,0.716,0.678,0.435,0.716,0.712,0.343,0.343,0.665,0.343,1.042,0.712,0.687,0.716,0.716,0.493,0.595,0.478,0.712,0.652,0.924,0.645,0.652,0.582,0.712,0.365,0.712,0.838];

/** Widths (em, regular and bold) of the non-ASCII characters the charts write: superscripts, minus, ellipsis. */
const EXTRA: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  ...[0x2070, 0xb9, 0xb2, 0xb3, 0x2074, 0x2075, 0x2076, 0x2077, 0x2078, 0x2079].map(
    (c) => [c, [0.401, 0.438]] as const,
  ),
  [0x207b, [0.528, 0.528]],
  [0x2212, [0.838, 0.838]],
  [0x2026, [1, 1]],
]);

/** Width (em) assumed for other characters outside printable ASCII. */
const FALLBACK_EM = 0.7;

/** Estimated rendered width in pixels of `text` at `fontSize` pixels. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 32;
    if (code >= 32 && code < 127) em += table[code - 32];
    else em += EXTRA.get(code)?.[bold ? 1 : 0] ?? FALLBACK_EM;
  }
  return em * fontSize;
}

/** `text` cut (with an ellipsis) so that it is at most `maxWidth` pixels wide at `fontSize`. */
export function truncateText(text: string, maxWidth: number, fontSize: number, bold = false): string {
  if (textWidth(text, fontSize, bold) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(chars.join('') + '…', fontSize, bold) > maxWidth) chars.pop();
  return chars.join('') + '…';
}
