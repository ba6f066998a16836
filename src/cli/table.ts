// Plain aligned columns for terminal output.
export function table(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
