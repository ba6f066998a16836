import { Box, Text } from 'ink';
import type { Binding, KeyContext } from '../keys.js';
import { BINDINGS } from '../keys.js';
import { theme } from '../theme.js';

/** The keys as the overlay names them: `q, Ctrl-C`. */
function keyLabel(b: Binding): string {
  return b.keys.map((k) => (k === 'ctrl-c' ? 'Ctrl-C' : k)).join(', ');
}

/**
 * Every key of the current screen, from the same table as the footer, drawn in place of the
 * screen within `rows` x `columns`: one column when they fit the height, else two side by side
 * (each entry cut to its half of the width). Only a terminal too small for two columns leaves keys
 * out, and then says how many.
 */
export function HelpOverlay({ context, readonly, rows, columns }: { context: KeyContext; readonly: boolean; rows: number; columns: number }) {
  const all = BINDINGS[context];
  // The border (2 rows), the title and the last line take 4 rows.
  const height = Math.max(1, rows - 4);
  const halves = all.length <= height ? [all] : [all.slice(0, Math.ceil(all.length / 2)), all.slice(Math.ceil(all.length / 2))];
  const shown = halves.map((h) => h.slice(0, height));
  const hidden = all.length - shown.reduce((n, h) => n + h.length, 0);
  // The border and the padding take 4 columns; two columns keep a space between them.
  const width = Math.max(10, Math.floor((columns - 4 - (shown.length - 1)) / shown.length));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold>Keys on this screen</Text>
      <Box flexDirection="row" gap={1}>
        {shown.map((half, i) => {
          const keyWidth = Math.min(16, Math.max(...half.map((b) => keyLabel(b).length)) + 1);
          return (
            <Box key={i} flexDirection="column" width={width}>
              {half.map((b) => (
                <Text key={b.intent} color={readonly && b.mutating ? theme.dim : undefined} wrap="truncate">
                  {keyLabel(b).padEnd(keyWidth)} {b.help}
                  {readonly && b.mutating ? ' (off: read-only)' : ''}
                </Text>
              ))}
            </Box>
          );
        })}
      </Box>
      <Text color={theme.dim}>{hidden > 0 ? `${hidden} more keys: a taller terminal shows them · any key closes this` : 'any key closes this'}</Text>
    </Box>
  );
}
