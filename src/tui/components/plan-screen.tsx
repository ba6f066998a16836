import { Box, Text } from 'ink';
import { planHeading, summaryLine } from '../../plan/plan.js';
import { planTree } from '../../plan/plan-tree.js';
import { formatOperation } from '../../plan/operations.js';
import { diffSpecs, formatSpecChange } from '../../plan/spec-diff.js';
import type { Draft } from '../state/app-state.js';
import { symbolColour, theme } from '../theme.js';
import { Spinner } from './spinner.js';

/** The plan for a draft: what changes in the spec, then what happens on each machine. */
export function PlanScreen({ draft, rows, columns }: { draft: Draft; rows: number; columns: number }) {
  const changes = diffSpecs(draft.current, draft.desired);
  const lines: { text: string; colour?: string; bold?: boolean }[] = [];
  lines.push({ text: `CHANGES ${draft.current ? '' : '(new service)'}`, bold: true });
  if (changes.length === 0) lines.push({ text: '  the spec is unchanged', colour: theme.dim });
  for (const c of changes) {
    const text = `  ${formatSpecChange(c)}`;
    lines.push({ text, colour: c.kind === 'added' ? theme.add : c.kind === 'removed' ? theme.remove : theme.change });
  }
  lines.push({ text: ' ' });
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">PLAN <Text color={theme.dim}>{draft.desired.name ?? '(new service)'} · {draft.origin}</Text></Text>
      {fit(lines, Math.max(4, Math.floor(rows / 3)), columns).map((l, i) => (
        <Text key={`c${i}`} color={l.colour} bold={l.bold} wrap="truncate">{l.text}</Text>
      ))}
      <PlanBody draft={draft} rows={rows - Math.min(lines.length, Math.floor(rows / 3)) - 2} columns={columns} />
    </Box>
  );
}

function PlanBody({ draft, rows, columns }: { draft: Draft; rows: number; columns: number }) {
  if (draft.planning === 'pending') return <Spinner label="planning: reading every machine…" />;
  if (draft.planning === 'error' || !draft.plan || !draft.names) {
    return (
      <Box flexDirection="column">
        <Text color={theme.bad}>Cannot plan this change:</Text>
        {(draft.error ?? 'unknown error').split('\n').map((l, i) => <Text key={i} color={theme.bad} wrap="wrap">  {l}</Text>)}
        <Text color={theme.dim}>e edits the spec · esc goes back (nothing changed)</Text>
      </Box>
    );
  }
  const plan = draft.plan;
  const lines: { text: string; colour?: string; bold?: boolean }[] = [{ text: 'OPERATIONS', bold: true }];
  if (plan.operations.length === 0) {
    lines.push({ text: `  ${plan.serviceName} is up to date: nothing to do`, colour: theme.ok });
  } else {
    lines.push({ text: planHeading(plan), bold: true });
    for (const m of planTree(plan, draft.names)) {
      lines.push({ text: `  ${m.name}${m.down ? `  ${m.down}` : ''}`, colour: m.down ? theme.warn : undefined, bold: !m.down });
      for (const { operation } of m.operations) {
        const text = formatOperation(operation, draft.names, { machine: false });
        lines.push({ text: `    ${text}`, colour: symbolColour(text) });
      }
    }
  }
  for (const w of plan.warnings) lines.push({ text: `warning: ${w}`, colour: theme.warn });
  if (plan.operations.length > 0) lines.push({ text: summaryLine(plan), bold: true });
  return (
    <Box flexDirection="column">
      {fit(lines, rows, columns).map((l, i) => <Text key={i} color={l.colour} bold={l.bold} wrap="wrap">{l.text}</Text>)}
    </Box>
  );
}

/** Lines that fill at most `rows` terminal rows once wrapped; the last one says what was left out. */
export function fit<T extends { text: string }>(lines: T[], rows: number, columns: number): (T | { text: string; colour?: string; bold?: boolean })[] {
  const height = (l: { text: string }) => Math.max(1, Math.ceil(l.text.length / Math.max(1, columns)));
  const total = lines.reduce((n, l) => n + height(l), 0);
  if (total <= rows) return lines;
  const kept: T[] = [];
  let used = 1;
  for (const l of lines) {
    if (used + height(l) > rows) break;
    kept.push(l);
    used += height(l);
  }
  return [...kept, { text: `  … ${lines.length - kept.length} more lines (a taller terminal shows them)`, colour: theme.dim }];
}
