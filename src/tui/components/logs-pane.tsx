import { Box, Text } from 'ink';
import { displayLine, fitWidth } from '../../terminal/text.js';
import type { LogPaneLine, LogView } from '../state/logs-view.js';
import { theme } from '../theme.js';

/**
 * The logs pane of the service screen: a title saying what it shows (one container, or the whole
 * service merged), whether it follows, and its keys; then the newest lines that fit in `rows`
 * (the title not counted), each one display line cut to `columns`. Merged lines start with their
 * machine and container, lined up (`m1 web-ab12 | text`); notices are in the warning colour.
 */
export function LogsPane({ view, rows, columns }: { view: LogView; rows: number; columns: number }) {
  const { scope } = view;
  const merged = scope.kind === 'service';
  const title = scope.kind === 'service' ? `${scope.serviceName} · every container, merged` : scope.containerName;
  const keys = `${view.follow ? 'following; f pauses' : 'paused; f follows'} · m ${merged ? 'one container' : 'whole service'} · l closes`;
  const shown = view.lines.slice(Math.max(0, view.lines.length - Math.max(1, rows)));
  const widths = { machine: 0, container: 0 };
  for (const l of shown) {
    if (l.kind !== 'record') continue;
    widths.machine = Math.max(widths.machine, l.machine.length);
    widths.container = Math.max(widths.container, l.container.length);
  }
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">LOGS {title} <Text color={theme.dim}>({keys})</Text></Text>
      {shown.length === 0 ? <Text color={theme.dim}>(no output yet)</Text> : null}
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate" color={line.kind === 'notice' ? theme.warn : undefined}>
          {fitWidth(paneText(line, merged, widths), columns) || ' '}
        </Text>
      ))}
    </Box>
  );
}

/** One line as drawn, before the cut to the width: untrusted text through displayLine. */
function paneText(line: LogPaneLine, merged: boolean, widths: { machine: number; container: number }): string {
  if (line.kind === 'notice') return displayLine(line.text);
  const text = displayLine(line.text);
  return merged ? `${displayLine(line.machine).padEnd(widths.machine)} ${displayLine(line.container).padEnd(widths.container)} | ${text}` : text;
}
