import { Box, Text } from 'ink';
import type { Line } from '../plan-lines.js';
import { planLines } from '../plan-lines.js';
import type { Draft } from '../state/app-state.js';
import { theme } from '../theme.js';
import { Spinner } from './spinner.js';

/** The plan for a draft: what changes in the spec, then what happens on each machine; it scrolls. */
export function PlanScreen({ draft, rows, columns, offset, showSecrets = false }: { draft: Draft; rows: number; columns: number; offset: number; showSecrets?: boolean }) {
  const lines = planLines(draft, showSecrets);
  const status = draft.planning === 'ready' ? 0 : draft.planning === 'pending' ? 1 : 3 + (draft.error ?? '').split('\n').length + (draft.forcible ? 1 : 0);
  const shown = scrollWindow(lines, offset, rows - 1 - status, columns);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">PLAN <Text color={theme.dim}>{draft.desired.name ?? '(new service)'} · {draft.origin}</Text></Text>
      {shown.map((l, i) => <Text key={i} color={l.colour} bold={l.bold} wrap="wrap">{l.text}</Text>)}
      {draft.planning === 'pending' ? <Spinner label="planning: reading every machine…" /> : null}
      {draft.planning === 'error' ? (
        <Box flexDirection="column">
          <Text color={theme.bad}>Cannot plan this change:</Text>
          {(draft.error ?? 'unknown error').split('\n').map((l, i) => <Text key={i} color={theme.bad} wrap="wrap">  {l}</Text>)}
          {draft.forcible ? <Text color={theme.warn} wrap="wrap">f plans it anyway, as if the machines that are down held nothing (they may then run it twice)</Text> : null}
          <Text color={theme.dim}>e edits the spec · esc goes back (nothing changed)</Text>
        </Box>
      ) : null}
    </Box>
  );
}

/**
 * The lines from `offset` that fill at most `rows` terminal rows once wrapped, with a line that
 * says what is above or below (↑/↓ scroll).
 */
export function scrollWindow(lines: Line[], offset: number, rows: number, columns: number): Line[] {
  const height = (l: Line) => Math.max(1, Math.ceil(l.text.length / Math.max(1, columns)));
  if (lines.reduce((n, l) => n + height(l), 0) <= rows) return lines;
  const start = Math.max(0, Math.min(offset, lines.length - 1));
  const kept: Line[] = [];
  let used = 1;
  for (const l of lines.slice(start)) {
    if (used + height(l) > rows) break;
    kept.push(l);
    used += height(l);
  }
  const below = lines.length - start - kept.length;
  return [...kept, { text: `  ${start ? `${start} line(s) above · ` : ''}${below ? `${below} more below` : 'end'} (↑/↓ scroll)`, colour: theme.dim }];
}
