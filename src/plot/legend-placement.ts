/**
 * Choosing where a line chart's legend goes: inside the plot area in the first free corner (like
 * matplotlib's loc="best"), or — when every corner would cover data — outside, right of the plot.
 */
import type { Box } from './axes.js';

/** Polylines in pixel coordinates: one array of [x, y] points per series. */
export type PixelLines = [number, number][][];

/** Gap between the plot frame and a legend placed inside it. */
const INSET = 8;
/** Distance between samples taken along a line when testing overlap. */
const SAMPLE_STEP = 3;

/** Whether any part of `lines` passes through `box` (grown by `margin` pixels). */
export function linesHit(lines: PixelLines, box: Box, margin = 4): boolean {
  const x0 = box.x - margin;
  const y0 = box.y - margin;
  const x1 = box.x + box.width + margin;
  const y1 = box.y + box.height + margin;
  const inside = (x: number, y: number) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  for (const pts of lines) {
    if (pts.length === 1 && inside(pts[0][0], pts[0][1])) return true;
    for (let i = 1; i < pts.length; i++) {
      const [ax, ay] = pts[i - 1];
      const [bx, by] = pts[i];
      // Skip segments whose bounding box misses the legend box entirely.
      if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / SAMPLE_STEP));
      for (let s = 0; s <= steps; s++) {
        const t = s / steps;
        if (inside(ax + (bx - ax) * t, ay + (by - ay) * t)) return true;
      }
    }
  }
  return false;
}

/**
 * Top-left corner for a `width`×`height` legend inside `plot` that covers none of `lines`, trying
 * upper right, upper left, lower right, lower left; null if the legend is too big or every corner is taken.
 */
export function findInsideSpot(plot: Box, width: number, height: number, lines: PixelLines): { x: number; y: number } | null {
  if (width > plot.width * 0.5 || height > plot.height * 0.6) return null;
  const left = plot.x + INSET;
  const right = plot.x + plot.width - INSET - width;
  const top = plot.y + INSET;
  const bottom = plot.y + plot.height - INSET - height;
  const corners = [
    { x: right, y: top },
    { x: left, y: top },
    { x: right, y: bottom },
    { x: left, y: bottom },
  ];
  return corners.find((c) => !linesHit(lines, { x: c.x, y: c.y, width, height })) ?? null;
}
