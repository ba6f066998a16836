import { Box, Text } from 'ink';
import type { KeyContext } from '../keys.js';
import { BINDINGS } from '../keys.js';
import { displayLine } from '../../terminal/text.js';
import { theme } from '../theme.js';

/** The keys of the current screen, drawn from the key table. */
export function Footer({ context, readonly, notice }: { context: KeyContext; readonly: boolean; notice?: string }) {
  const keys = BINDINGS[context].filter((b) => b.footer && !(readonly && b.mutating));
  return (
    <Box flexDirection="column">
      {notice ? <Text color={theme.warn} wrap="truncate">{displayLine(notice)}</Text> : null}
      <Text wrap="truncate" color={theme.dim}>
        {keys.map((b) => `${b.label} ${b.short ?? b.help}`).join(' · ')}
        {readonly ? ' · READ-ONLY' : ''}
      </Text>
    </Box>
  );
}
