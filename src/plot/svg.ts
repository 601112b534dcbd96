/** Small builders for SVG markup: escaping, number formatting, text, lines and the document shell. */
import { COLOR, FONT_FAMILY } from './theme.js';

/** Escape text for use in SVG element content or attribute values (drops XML-illegal control characters). */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A coordinate rounded to 2 decimals, without trailing zeros (keeps SVG files small). */
export function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Style of a text element. */
export type TextStyle = {
  /** Font size in pixels. */
  size: number;
  /** Horizontal anchor (default 'start'). */
  anchor?: 'start' | 'middle' | 'end';
  /** Vertical placement of the text relative to `y` (default 'baseline'). */
  valign?: 'baseline' | 'middle' | 'top';
  /** Bold weight. */
  bold?: boolean;
  /** Fill colour (default the theme text colour). */
  fill?: string;
  /** Rotation in degrees about (x, y). */
  rotate?: number;
};

/**
 * A `<text>` element. Vertical alignment is done by shifting the baseline (not `dominant-baseline`,
 * which renderers support unevenly): 'middle' centres digits and capitals on `y`, 'top' puts their top at `y`.
 */
export function svgText(x: number, y: number, text: string, style: TextStyle): string {
  const shift = style.valign === 'middle' ? 0.36 * style.size : style.valign === 'top' ? 0.76 * style.size : 0;
  const attrs = [`font-size="${fmt(style.size)}"`];
  if (style.anchor && style.anchor !== 'start') attrs.push(`text-anchor="${style.anchor}"`);
  if (style.bold) attrs.push('font-weight="bold"');
  if (style.fill && style.fill !== COLOR.text) attrs.push(`fill="${style.fill}"`);
  // Rotation is about (x, y) and applies to local coordinates, so the baseline shift stays along local y.
  if (style.rotate) attrs.push(`transform="rotate(${fmt(style.rotate)} ${fmt(x)} ${fmt(y)})"`);
  return `<text x="${fmt(x)}" y="${fmt(y + shift)}" ${attrs.join(' ')}>${escapeXml(text)}</text>`;
}

/** A straight `<line>` element. */
export function svgLine(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="${fmt(width)}"/>`;
}

/** A `<rect>` element with a fill and optional stroke. */
export function svgRect(x: number, y: number, w: number, h: number, fill: string, stroke?: string): string {
  const s = stroke ? ` stroke="${stroke}"` : '';
  return `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="${fill}"${s}/>`;
}

/**
 * A complete SVG document of `width`×`height` pixels: white background, theme font, an accessible
 * `<title>`, then `body`.
 */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  const w = fmt(width);
  const h = fmt(height);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family="${escapeXml(FONT_FAMILY)}" fill="${COLOR.text}">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<rect x="0" y="0" width="${w}" height="${h}" fill="${COLOR.background}"/>\n` +
    body +
    '\n</svg>\n'
  );
}
