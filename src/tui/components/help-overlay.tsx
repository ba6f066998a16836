import { Box, Text } from 'ink';
import type { KeyContext } from '../keys.js';
import { BINDINGS } from '../keys.js';
import { theme } from '../theme.js';

/** Every key of the current screen, from the same table as the footer. */
/** Drawn in place of the screen; `rows` bounds it so it fits any terminal. */
export function HelpOverlay({ context, readonly, rows }: { context: KeyContext; readonly: boolean; rows: number }) {
  const bindings = BINDINGS[context].slice(0, Math.max(1, rows - 4));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold>Keys on this screen</Text>
      {bindings.map((b) => (
        <Text key={b.intent} color={readonly && b.mutating ? theme.dim : undefined} wrap="truncate">
          {b.keys.map((k) => (k === 'ctrl-c' ? 'Ctrl-C' : k)).join(', ').padEnd(16)} {b.help}
          {readonly && b.mutating ? ' (off: read-only)' : ''}
        </Text>
      ))}
      <Text color={theme.dim}>any key closes this</Text>
    </Box>
  );
}
