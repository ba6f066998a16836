import { Text } from 'ink';
import { lockAgeText, type ServiceLock } from '../../execute/lock.js';
import { displayLine } from '../../terminal/text.js';
import { theme } from '../theme.js';

/** At most this many rows of locks; with more, the last row says how many more there are. */
const MAX_ROWS = 3;

const col = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/** The rows the lock list takes on the cluster screen: none without locks, else a blank, the heading and up to MAX_ROWS. */
export function lockListHeight(locks: readonly ServiceLock[]): number {
  return locks.length === 0 ? 0 : 2 + Math.min(locks.length, MAX_ROWS);
}

/** `13:05:02Z (4m12s ago)` on the day it was taken (UTC), `2026-11-29 13:05Z (1d ago)` after. */
function sinceText(since: string, now: number): string {
  const age = lockAgeText(since, now);
  const t = new Date(since);
  if (Number.isNaN(t.getTime())) return displayLine(since);
  const iso = t.toISOString();
  const when = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? `${iso.slice(11, 19)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
  return `${when}${age ? ` (${age})` : ''}`;
}

/**
 * The deploy locks held, for the cluster screen: service, owner, since when, and the message, one
 * row each (label values shown as one safe line). Renders nothing when no lock is held.
 */
export function LockList({ locks, now = Date.now() }: { locks: readonly ServiceLock[]; now?: number }) {
  if (locks.length === 0) return null;
  const shown = locks.length <= MAX_ROWS ? locks : locks.slice(0, MAX_ROWS - 1);
  return (
    <>
      <Text> </Text>
      <Text bold>DEPLOY LOCKS <Text color={theme.dim}>({locks.length} held · dockplan lock status)</Text></Text>
      {shown.map((l) => (
        <Text key={`${l.service} ${l.holder.runId}`} wrap="truncate" color={theme.warn}>
          {'  '}{col(l.service, 16)} {col(displayLine(l.holder.owner), 18)} since {sinceText(l.holder.since, now)}
          {l.holder.message ? `  "${displayLine(l.holder.message)}"` : ''}
        </Text>
      ))}
      {shown.length < locks.length ? <Text color={theme.dim}>  and {locks.length - shown.length} more</Text> : null}
    </>
  );
}
