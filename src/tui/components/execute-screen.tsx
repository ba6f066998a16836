import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { displayLine, displayLines, fitWidth } from '../../terminal/text.js';
import type { Draft, ExecutionRow, ExecutionView } from '../state/app-state.js';
import { symbolColour, theme } from '../theme.js';
import { restoreLines } from '../../execute/run-text.js';
import { ExecutionStatus } from './execution-status.js';
import { listWindow } from './list-window.js';

const STATUS_WORDS: Record<string, string> = {
  pending: 'pending',
  'creating-volume': 'creating volume',
  pulling: 'pulling',
  creating: 'creating',
  starting: 'starting',
  'health-starting': 'health: starting',
  healthy: 'health: healthy',
  unhealthy: 'health: unhealthy',
  running: 'running, watching',
  updating: 'updating',
  stopping: 'stopping',
  removing: 'removing',
  'restarting-old': 'restarting old',
  'rolling-back': 'rolling back',
  done: 'done',
  failed: 'failed',
  'rolled-back': 'rolled back',
};

function statusColour(status: string): string | undefined {
  if (status === 'done' || status === 'healthy') return theme.ok;
  if (status === 'failed' || status === 'unhealthy') return theme.bad;
  if (status === 'rolled-back') return theme.warn;
  if (status === 'pending') return theme.dim;
  return theme.accent;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/**
 * Seconds since the row started, never negative: `now` ticks once a second, so a row started after
 * the last tick is measured from its own start (0.0s) until the next one.
 */
export function elapsed(row: Pick<ExecutionRow, 'elapsedMs' | 'startedAt'>, now: number): string {
  const ms = row.elapsedMs ?? (row.startedAt !== undefined ? Math.max(now, row.startedAt) - row.startedAt : undefined);
  return ms === undefined ? '' : `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** Every operation with its live status, grouped by batch; the question waiting; rollback; the outcome. */
export function ExecuteScreen({ draft, view, rows, columns }: { draft: Draft; view: ExecutionView; rows: number; columns: number }) {
  const running = !view.outcome;
  const now = useNow(running);
  const request = view.pending[0];
  const focusOps = request?.kind === 'operation' ? request.opIds : [];
  const failure = view.outcome?.failure;
  // The other failed containers, by name: the box shows the first one's logs.
  const alsoFailed = (view.outcome?.failures ?? []).slice(1).flatMap((f) => (f.container ? [`${f.container.name}${f.machineId ? ` on ${draft.names?.machineName(f.machineId) ?? f.machineId}` : ''}`] : []));
  const restored = view.outcome?.restored ?? view.rollback?.restored;
  // The container's own output: one row per record inside the box (its border and padding take 4 columns).
  const logLines = failure?.logs !== undefined ? displayLines(failure.logs, Math.max(3, Math.floor(rows / 4))).map((l) => fitWidth(`  | ${l}`, columns - 4)) : [];
  // A container that wrote nothing says so, as the CLI does, rather than an empty heading.
  if (failure?.container && logLines.length === 0) logLines.push('  | (no output)');
  // Room for the operations: what is left after the title, the question or outcome, rollback lines and the failure box.
  const room = Math.max(3, rows - 5 - (restored ? restored.length + 1 : 0) - (failure ? logLines.length + 6 + (alsoFailed.length ? 1 : 0) : 0));
  const window = operationWindow(view, room, focusOps);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">DEPLOY {draft.plan?.serviceName} <Text color={theme.dim}>· {draft.origin} · {auto(view)}</Text></Text>
      {window.lines.map((line) => line.row ? (
        <Text key={line.key} wrap="truncate" inverse={focusOps.includes(line.row.opId)}>
          {focusOps.includes(line.row.opId) ? '  ▶ ' : '    '}{line.row.machineName.padEnd(6)} <Text color={statusColour(line.row.status)}>{(STATUS_WORDS[line.row.status] ?? line.row.status).padEnd(17)}</Text>
          {elapsed(line.row, now).padStart(6)}  <Text color={symbolColour(line.row.text)}>{line.row.text}</Text>
          {line.row.container && !line.row.text.includes(line.row.container) ? <Text color={theme.dim}> [{line.row.container}]</Text> : null}
        </Text>
      ) : (
        <Text key={line.key} bold color={line.current ? theme.accent : undefined}>  {line.batch}</Text>
      ))}
      {window.hidden ? <Text color={theme.dim}>  {window.hidden}</Text> : null}
      <Text> </Text>
      <ExecutionStatus view={view} draft={draft} />
      {restored ? (
        <Box flexDirection="column">
          <Text bold>ROLLBACK <Text color={theme.dim}>{view.rollback?.reason}</Text></Text>
          {restoreLines(restored, draft.names ?? { machineName: (id) => id, containerName: () => '' }).map((l, i) => <Text key={i} wrap="truncate" color={l.includes('COULD NOT') ? theme.bad : undefined}>  {l}</Text>)}
        </Box>
      ) : null}
      {failure ? (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.bad} paddingX={1}>
          <Text color={theme.bad} wrap="wrap">✗ {failure.message.split('\n').map(displayLine).join('\n')}</Text>
          {failure.container ? <Text bold>last log lines of {failure.container.name}:</Text> : null}
          {logLines.map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
          {alsoFailed.length ? <Text color={theme.bad} wrap="truncate">also failed, kept, stopped: {alsoFailed.join(', ')}</Text> : null}
          <Text color={theme.dim} wrap="wrap">
            {failure.container ? `${failure.container.name} is kept, stopped, for inspection (the next deploy removes it). ` : ''}
            Next: esc back to the service, fix the spec (e), and deploy again.
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

function auto(view: ExecutionView): string {
  if (view.auto.kind === 'all') return 'approving all';
  if (view.auto.kind === 'machine') return 'approving one machine';
  return 'step by step';
}

interface Line {
  key: string;
  /** A batch heading: `batch 2 of 3 (canary)`. */
  batch?: string;
  current?: boolean;
  row?: ExecutionRow;
}

/** The rows grouped under their batch, windowed around the operation that matters now. */
function operationWindow(view: ExecutionView, room: number, focusOps: string[]): { lines: Line[]; hidden?: string } {
  const lines: Line[] = [];
  let batch: number | undefined;
  for (const row of view.rows) {
    if (row.batch !== batch) {
      batch = row.batch;
      const kind = view.batches.find((b) => b.index === row.batch)?.kind;
      lines.push({ key: `b-${row.batch}`, batch: `batch ${row.batch} of ${view.batches.length}${kind && kind !== 'update' ? ` (${kind})` : ''}`, current: row.batch === view.batch });
    }
    lines.push({ key: `r-${row.opId}`, row });
  }
  if (lines.length <= room) return { lines };
  const focus = focusOps[0] ?? view.rows.find((r) => r.status !== 'done' && r.status !== 'pending')?.opId ?? view.rows.find((r) => r.status === 'pending')?.opId;
  const at = Math.max(0, lines.findIndex((l) => l.row?.opId === focus));
  const { start, end } = listWindow(lines.length, at, room - 1);
  return { lines: lines.slice(start, end), hidden: `${start} line(s) above, ${lines.length - end} below` };
}
