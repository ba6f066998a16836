// Durations (normalised to milliseconds) and sizes (normalised to bytes), read and written the way
// compose files and the docker CLI write them.

export const DURATION_HINT = 'expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds)';
export const SIZE_HINT = 'expected a size like 512k, 64M or 1g (binary units; a bare number is bytes)';

const DURATION_UNITS: readonly [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/**
 * `500ms`, `2s`, `1m`, `1m30s`, `1.5h`, or a number of seconds -> whole milliseconds.
 * Units go from largest to smallest, each at most once. Returns undefined when the text is not a
 * duration or is not a whole number of milliseconds.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return wholeMs(value * 1000);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return wholeMs(Number(text) * 1000);
  if (text === '') return undefined;
  let rest = text;
  let total = 0;
  let nextUnit = 0;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) return undefined;
    const unitIndex = DURATION_UNITS.findIndex(([u]) => u === m[2]);
    if (unitIndex < nextUnit) return undefined;
    nextUnit = unitIndex + 1;
    total += Number(m[1]) * DURATION_UNITS[unitIndex][1];
    rest = rest.slice(m[0].length);
  }
  return wholeMs(total);
}

function wholeMs(ms: number): number | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const rounded = Math.round(ms);
  // Accept float noise such as 0.1 * 1000 = 100.00000000000001, not real fractions of a millisecond.
  return Math.abs(rounded - ms) < 1e-6 ? rounded : undefined;
}

/** Milliseconds -> the shortest exact text: 1500 -> `1s500ms`, 90000 -> `1m30s`, 0 -> `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * `100b`, `512k`, `64M`, `1g`, `1.5GiB`, `64mb`, or a number of bytes -> bytes. Units are binary
 * like Docker's (1M = 1048576) and case-insensitive; a fraction of a byte is dropped as Docker does.
 */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const m = /^(\d+(?:\.\d+)?) ?([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  // a fraction of a byte written as bytes (`1.5`, `1.5b`) is a mistake, not something to round
  if (unit === '' && m[1].includes('.')) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[unit]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes -> the largest unit that divides it exactly: 67108864 -> `64M`, 1536 -> `1536b`, 0 -> `0b`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}
