import { Box, Text } from 'ink';
import type { HistoryEntry } from '../../execute/history.js';
import { outcomeWords } from '../../execute/run-text.js';
import { SUMMARY_BUCKETS } from '../../plan/operations.js';
import { displayFit } from '../../terminal/text.js';
import type { AppState } from '../state/app-state.js';
import type { HistoryView } from '../state/history-view.js';
import { historyOnScreen } from '../state/history-view.js';
import { theme } from '../theme.js';
import { listWindow } from './list-window.js';
import { Spinner } from './spinner.js';

const col = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
/** `2026-11-30 13:29`: minutes are enough in a row; the detail says the seconds. */
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const outcomeColour = (e: HistoryEntry) => (!e.record ? theme.dim : e.record.outcome === 'done' ? theme.ok : e.record.outcome === 'canary' ? theme.warn : theme.bad);

/** The selected entry in words: who, when, where from, what it did, how it ended, the image. */
function detailLines(e: HistoryEntry): string[] {
  const runs = e.running > 0 ? ` · ${e.running} running container${e.running === 1 ? '' : 's'} carry it${e.current ? ': what runs now' : ''}` : '';
  const r = e.record;
  if (!r) {
    return [
      `DEPLOY ${e.deployId}${runs}`,
      '  made from another machine (or before runs were recorded): its spec is not in',
      '  this history, so no rollback can be planned to it from here',
    ];
  }
  const did = SUMMARY_BUCKETS.filter((k) => r.summary[k] > 0).map((k) => `${r.summary[k]} ${k}`).join(' · ') || 'nothing';
  return [
    `DEPLOY ${e.deployId}${runs}`,
    `  by ${r.who} at ${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`,
    `  origin: ${r.origin ?? '(not recorded)'}`,
    `  ${r.action}: ${did} · ${r.completed} of ${r.total} operations done`,
    `  outcome: ${outcomeWords(r.outcome, r.action)}${r.reason ? ` (${r.reason})` : ''}`,
    `  image: ${r.spec.image}${r.spec.image_ref && r.spec.image_ref !== r.spec.image ? ` (${r.spec.image_ref.replace(/^(.*@)?sha256:/, '').slice(0, 12)})` : ''}`,
    r.action === 'remove' ? '  a removal: there is no spec to roll back to' : '  enter plans a rollback to this spec and image',
  ];
}

/**
 * A service's deploys, newest first, from the history on this machine: `*` marks the deploy its
 * newest running containers carry, `+` others that running containers still carry; below the list,
 * the selected deploy in full. Fits 80x24: the list scrolls, the detail keeps its lines.
 */
export function HistoryScreen({ state, name, view, rows, columns }: { state: AppState; name: string; view: HistoryView; rows: number; columns: number }) {
  const entries = historyOnScreen(state);
  const heading = <Text bold wrap="truncate">HISTORY {name} <Text color={theme.dim}>· newest first · * what runs now</Text></Text>;
  if (view.status === 'loading') return <Box flexDirection="column">{heading}<Spinner label="reading the history…" /></Box>;
  if (view.status === 'error') return <Box flexDirection="column">{heading}<Text color={theme.bad} wrap="wrap">Cannot read the history: {view.error}</Text></Box>;
  if (entries.length === 0) {
    return (
      <Box flexDirection="column">
        {heading}
        <Text color={theme.dim} wrap="wrap">  no deploy of {name} is recorded on this machine{view.where ? ` (${view.where})` : ''}: runs from this machine are recorded from now on</Text>
      </Box>
    );
  }
  const cursor = Math.min(state.cursor.history, entries.length - 1);
  const selected = entries[cursor]!;
  const detail = detailLines(selected);
  const refusal = view.refusal ? Math.ceil(view.refusal.length / Math.max(1, columns)) : 0;
  const room = rows - 3 - detail.length - refusal;
  const listHeight = Math.max(1, room - (entries.length > room ? 1 : 0));
  const { start, end } = listWindow(entries.length, cursor, listHeight);
  const originWidth = Math.max(8, columns - 62);
  return (
    <Box flexDirection="column">
      {heading}
      <Text color={theme.dim} wrap="truncate">{`    ${col('DEPLOY', 22)}  ${col('WHEN', 16)}  ${col('OUTCOME', 14)}  ORIGIN`}</Text>
      {entries.slice(start, end).map((e, i) => {
        const isSelected = start + i === cursor;
        const mark = e.current ? '*' : e.running > 0 ? '+' : ' ';
        const outcome = e.record ? outcomeWords(e.record.outcome, e.record.action) : '(not recorded)';
        return (
          <Text key={e.deployId} wrap="truncate" inverse={isSelected} color={isSelected ? theme.selected : undefined}>
            {isSelected ? '> ' : '  '}{mark} {col(e.deployId, 22)}  {col(when(e.when), 16)}  <Text color={isSelected ? undefined : outcomeColour(e)}>{col(outcome, 14)}</Text>  {col(e.record?.origin ?? (e.record ? '' : 'another machine'), originWidth)}
          </Text>
        );
      })}
      {entries.length > end - start ? <Text color={theme.dim}>  {start + 1}-{end} of {entries.length}</Text> : null}
      <Text> </Text>
      {detail.map((line, i) => <Text key={i} bold={i === 0} wrap="truncate" color={i === 0 ? undefined : theme.dim}>{displayFit(line, columns)}</Text>)}
      {view.refusal ? <Text color={theme.bad} wrap="wrap">{view.refusal}</Text> : null}
    </Box>
  );
}
