// Which rows of a long list to draw: only a window around the cursor is rendered.
export function listWindow(count: number, cursor: number, height: number): { start: number; end: number } {
  const h = Math.max(1, height);
  if (count <= h) return { start: 0, end: count };
  const start = Math.max(0, Math.min(cursor - Math.floor(h / 2), count - h));
  return { start, end: start + h };
}
