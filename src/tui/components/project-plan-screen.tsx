import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Line } from '../plan-lines.js';
import { projectPlanText } from '../plan-lines.js';
import type { Screen } from '../state/app-state.js';
import { symbolColour, theme } from '../theme.js';
import { scrollWindow } from './plan-screen.js';
import { Spinner } from './spinner.js';

/** A line of the project plan, coloured by what it says (a heading, an addition, a removal, a warning). */
function lineOf(text: string): Line {
  const body = text.trimStart();
  if (/^(project |service |volumes:)/.test(body) && !text.startsWith('    ')) return { text, bold: true };
  if (body.startsWith('warning:') || body.startsWith('risk:')) return { text, colour: theme.warn };
  const colour = symbolColour(body);
  return colour ? { text, colour } : { text };
}

/** The plan of a whole compose project: every service's section in run order; it scrolls. */
export function ProjectPlanScreen({ screen, rows, columns, offset }: { screen: Extract<Screen, { kind: 'project-plan' }>; rows: number; columns: number; offset: number }) {
  const lines = useMemo(() => (screen.plan ? projectPlanText(screen.plan).map(lineOf) : []), [screen.plan]);
  const shown = scrollWindow(lines, offset, rows - 1 - (screen.planning === 'ready' ? 0 : 2), columns);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">PLAN <Text color={theme.dim}>project {screen.plan?.project ?? ''} · every service, in order</Text></Text>
      {shown.map((l, i) => <Text key={i} color={l.colour} bold={l.bold} wrap="wrap">{l.text}</Text>)}
      {screen.planning === 'pending' ? <Spinner label="planning every service of the project…" /> : null}
      {screen.planning === 'error' ? (
        <Box flexDirection="column">
          <Text color={theme.bad}>Cannot plan the project:</Text>
          {(screen.error ?? 'unknown error').split('\n').map((l, i) => <Text key={i} color={theme.bad} wrap="wrap">  {l}</Text>)}
          <Text color={theme.dim}>esc goes back (nothing changed)</Text>
        </Box>
      ) : null}
    </Box>
  );
}
