import { Box, Text } from 'ink';
import type { Modal } from '../state/app-state.js';
import { theme } from '../theme.js';

/** The last line of a quick-edit prompt. */
const PROMPT_HINT = 'enter plans the change (nothing happens before you approve) · esc cancels';

const PLACEMENT_TITLE = 'Machines it may run on (none chosen = any machine)';
const PLACEMENT_HINT = 'space toggles · enter plans the change · esc cancels';

const PROMPTS = {
  image: 'New image (registry/name:tag)',
  replicas: 'Replicas',
  env: 'Env var: KEY=VALUE sets it, KEY= removes it',
} as const;

/** The open modal, drawn under the screen it belongs to. */
export function ModalView({ modal }: { modal: Modal }) {
  switch (modal.kind) {
    case 'help':
      // Drawn by App in place of the screen, at the terminal's size.
      return null;
    case 'filter':
      return <Text>/ {modal.value}<Text inverse> </Text> <Text color={theme.dim}>enter keeps · esc clears</Text></Text>;
    case 'prompt':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
          <Text bold>{PROMPTS[modal.field]}</Text>
          <Text>&gt; {modal.value}<Text inverse> </Text></Text>
          {modal.error ? <Text color={theme.bad} wrap="wrap">{modal.error}</Text> : null}
          <Text color={theme.dim}>{PROMPT_HINT}</Text>
        </Box>
      );
    case 'placement':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
          <Text bold>{PLACEMENT_TITLE}</Text>
          {modal.machines.map((m, i) => (
            <Text key={m.id} inverse={i === modal.cursor}>{m.selected ? '[x]' : '[ ]'} {m.name}</Text>
          ))}
          <Text color={theme.dim}>{PLACEMENT_HINT}</Text>
        </Box>
      );
    case 'open-spec':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
          <Text bold>New service from a spec file</Text>
          <Text>path: {modal.value}<Text inverse> </Text></Text>
          {modal.value ? null : modal.choices.map((c, i) => <Text key={c} inverse={i === modal.cursor} wrap="truncate">{c}</Text>)}
          {modal.error ? <Text color={theme.bad} wrap="wrap">{modal.error}</Text> : null}
          <Text color={theme.dim}>type a path, or ↑/↓ to pick an example · enter plans it · esc cancels</Text>
        </Box>
      );
    case 'spec-errors':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.bad} paddingX={1}>
          <Text bold color={theme.bad}>The spec has {modal.errors.length} problem{modal.errors.length === 1 ? '' : 's'}:</Text>
          {modal.errors.slice(0, 12).map((e, i) => <Text key={i} wrap="truncate">{e.replace(`${modal.file}:`, 'line ')}</Text>)}
          <Text color={theme.dim}>e re-opens the editor with your text · d discards the edit</Text>
        </Box>
      );
    case 'confirm-risky':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.bad} paddingX={1}>
          <Text bold color={theme.bad}>This plan is risky:</Text>
          {modal.risks.map((r, i) => <Text key={i} wrap="truncate">  {r}</Text>)}
          <Text>type the service name ({modal.service}) to go ahead: {modal.value}<Text inverse> </Text></Text>
          {modal.error ? <Text color={theme.bad} wrap="wrap">{modal.error}</Text> : null}
          <Text color={theme.dim}>enter goes ahead when the name matches · esc cancels</Text>
        </Box>
      );
    case 'confirm-quit':
      return (
        <Box borderStyle="round" borderColor={theme.warn} paddingX={1}>
          <Text color={theme.warn}>A deploy is running. Quit? y: stop it (what is under way finishes or undoes itself), then quit · n: keep going</Text>
        </Box>
      );
  }
}

/** How many rows a modal takes (help is drawn instead of the screen), so the screen can make room. */
export function modalHeight(modal: Modal, columns: number): number {
  // A message in a bordered box wraps at the box's inner width.
  const wrapped = (text?: string) => (text ? Math.ceil(text.length / Math.max(10, columns - 4)) : 0);
  switch (modal.kind) {
    case 'help':
      return 0;
    case 'filter':
      return 1;
    case 'prompt':
      // Its border, the question, the input line, then the hint (wrapped on a narrow terminal).
      return 4 + wrapped(PROMPT_HINT) + wrapped(modal.error);
    case 'placement':
      return 2 + wrapped(PLACEMENT_TITLE) + modal.machines.length + wrapped(PLACEMENT_HINT);
    case 'open-spec':
      return (modal.value ? 0 : modal.choices.length) + 5 + wrapped(modal.error);
    case 'spec-errors':
      return Math.min(modal.errors.length, 12) + 4;
    case 'confirm-risky':
      return modal.risks.length + 5 + wrapped(modal.error);
    case 'confirm-quit':
      return 2 + wrapped('A deploy is running. Quit? y: stop it (what is under way finishes or undoes itself), then quit · n: keep going');
  }
}
