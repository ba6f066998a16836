import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { displayLine, displayLines, fitWidth } from '../../terminal/text.js';
import type { Draft, ExecutionRow, ExecutionView } from '../state/app-state.js';
import { symbolColour, theme } from '../theme.js';
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
  done: 'done',
  failed: 'failed',
};

function statusColour(status: string): string | undefined {
  if (status === 'done' || status === 'healthy') return theme.ok;
  if (status === 'failed' || status === 'unhealthy') return theme.bad;
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

/** Every operation with its live status; the approval question; the outcome. */
export function ExecuteScreen({ draft, view, rows, columns }: { draft: Draft; view: ExecutionView; rows: number; columns: number }) {
  const running = !view.outcome;
  const now = useNow(running);
  const awaiting = view.rows.find((r) => r.index === view.awaiting);
  const failure = view.outcome?.failure;
  // The container's own output: one row per record inside the box (its border and padding take 4 columns).
  const logLines = failure?.logs ? displayLines(failure.logs, Math.max(3, Math.floor(rows / 3))).map((l) => fitWidth(`  | ${l}`, columns - 4)) : [];
  // Room for the operations: what is left after the title, the question or outcome, and the failure box.
  const room = Math.max(3, rows - 4 - (failure ? logLines.length + 6 : 0));
  const window = operationWindow(view, room);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">DEPLOY {draft.plan?.serviceName} <Text color={theme.dim}>· {draft.origin} · {auto(view)}</Text></Text>
      {window.lines.map((line) => line.row ? (
        <Text key={line.key} wrap="truncate" inverse={line.row.index === view.awaiting}>
          {line.row.index === view.awaiting ? '  ▶ ' : '    '}
          <Text color={statusColour(line.row.status)}>{(STATUS_WORDS[line.row.status] ?? line.row.status).padEnd(17)}</Text>
          {elapsed(line.row, now).padStart(6)}  <Text color={symbolColour(line.row.text)}>{line.row.text}</Text>
          {line.row.container && !line.row.text.includes(line.row.container) ? <Text color={theme.dim}> [{line.row.container}]</Text> : null}
        </Text>
      ) : (
        <Text key={line.key} bold>  {line.machine}</Text>
      ))}
      {window.hidden ? <Text color={theme.dim}>  {window.hidden}</Text> : null}
      <Text> </Text>
      {awaiting ? (
        <Text color={theme.accent} wrap="wrap">
          Approve operation {awaiting.index + 1} of {view.total} on {awaiting.machineName}? enter: this one · m: the rest of {awaiting.machineName} · a: all remaining · s: stop here
        </Text>
      ) : null}
      {view.stopping && running ? <Text color={theme.warn}>stopping after the operation under way…</Text> : null}
      {view.outcome?.ok ? <Text color={theme.ok}>✓ deployed: {view.outcome.completed} of {view.total} operations done · esc goes back</Text> : null}
      {view.outcome && !view.outcome.ok && view.outcome.stoppedAt !== undefined ? (
        <Text color={theme.warn}>Stopped before operation {view.outcome.stoppedAt + 1} of {view.total}: {view.outcome.completed} done, nothing half-done · esc goes back, plan again to finish</Text>
      ) : null}
      {failure ? (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.bad} paddingX={1}>
          <Text color={theme.bad} wrap="wrap">✗ {failure.message.split('\n').map(displayLine).join('\n')}</Text>
          {failure.container ? <Text bold>last log lines of {failure.container.name}:</Text> : null}
          {logLines.map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
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
  machine?: string;
  row?: ExecutionRow;
}

/** The rows grouped under their machine, windowed around the operation that matters now. */
function operationWindow(view: ExecutionView, room: number): { lines: Line[]; hidden?: string } {
  const lines: Line[] = [];
  let machine: string | undefined;
  for (const row of view.rows) {
    if (row.machineName !== machine) {
      machine = row.machineName;
      lines.push({ key: `m-${machine}-${lines.length}`, machine });
    }
    lines.push({ key: `r-${row.index}-${lines.length}`, row });
  }
  if (lines.length <= room) return { lines };
  const focus = view.awaiting ?? view.rows.find((r) => r.status !== 'done' && r.status !== 'pending')?.index ?? view.rows.find((r) => r.status === 'pending')?.index;
  const at = Math.max(0, lines.findIndex((l) => l.row?.index === focus));
  const { start, end } = listWindow(lines.length, at, room - 1);
  return { lines: lines.slice(start, end), hidden: `${start} line(s) above, ${lines.length - end} below` };
}
