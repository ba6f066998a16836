// The HISTORY screen's data: a service's recorded runs as loaded from the history, and the entries
// the screen lists (newest first, marked with what runs now), computed from the live cluster state
// so that the marks follow the cluster while the screen is open. Pure.
import type { DeployRecord, HistoryEntry } from '../../execute/history.js';
import { historyEntries } from '../../execute/history.js';
import { servicesIn } from './services.js';
import type { AppState } from './app-state.js';

/** The records of one service, as the controller loaded them through the HistoryStore. */
export interface HistoryView {
  status: 'loading' | 'ready' | 'error';
  /** Oldest first, as HistoryStore.list gives them. */
  records: DeployRecord[];
  /** Why the history could not be read. */
  error?: string;
  /** Where the records live (a file), to say so when there are none. */
  where?: string;
  /** Why the rollback last asked for cannot be planned (secret values the history masked and the service no longer has). */
  refusal?: string;
}

/** The entries the HISTORY screen on display lists, newest first; empty on any other screen. */
export function historyOnScreen(state: AppState): HistoryEntry[] {
  const screen = state.screen;
  if (screen.kind !== 'history') return [];
  const service = state.cluster.state ? servicesIn(state.cluster.state).find((s) => s.id === screen.serviceId) : undefined;
  return historyEntries(screen.view.records, service?.containers ?? []);
}

/** The entry under the cursor on the HISTORY screen. */
export function selectedHistoryEntry(state: AppState): HistoryEntry | undefined {
  return historyOnScreen(state)[state.cursor.history];
}
