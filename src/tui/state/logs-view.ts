// The logs pane as plain data: what it shows (one container, or the whole service merged), whether
// it follows, and its newest lines. The streaming and merging are the engine's (execute/log-follow.ts).
import type { ServiceLogEntry } from '../../execute/log-follow.js';

/** What the logs pane reads: the selected container, or every container of the service merged by time. */
export type LogPaneScope =
  | { kind: 'container'; serviceId: string; machineId: string; containerId: string; containerName: string }
  | { kind: 'service'; serviceId: string; serviceName: string };

/** One line of the pane: a container's record (text untrusted, neutralised when drawn) or a notice in words. */
export type LogPaneLine =
  | { kind: 'record'; machine: string; container: string; text: string }
  | { kind: 'notice'; text: string };

export interface LogView {
  scope: LogPaneScope;
  /** Streaming new lines (true) or showing the last ones read (false). */
  follow: boolean;
  /** The newest lines, oldest first; at most LOG_PANE_LINES. */
  lines: LogPaneLine[];
}

/** The most lines the pane keeps: more than any terminal shows, few enough to redraw at once. */
export const LOG_PANE_LINES = 500;

/**
 * The most often (ms) new lines reach the pane while it follows: lines that come closer together
 * are drawn in one frame (10 frames a second at most for a busy container, instead of one a line).
 */
export const LOG_PANE_FLUSH_MS = 100;

/** Each container's records read when the pane opens. */
export const LOG_PANE_TAIL = 200;

/** The pane's lines for a batch of the engine's entries. */
export function paneLinesOf(entries: readonly ServiceLogEntry[]): LogPaneLine[] {
  return entries.map((e) => (e.kind === 'record'
    ? { kind: 'record', machine: e.machine, container: e.container, text: e.record.text }
    : { kind: 'notice', text: e.text }));
}

/** The view with `lines` added at the end, keeping the newest LOG_PANE_LINES. */
export function withLogLines(view: LogView, lines: readonly LogPaneLine[]): LogView {
  if (lines.length === 0) return view;
  const all = [...view.lines, ...lines];
  return { ...view, lines: all.length > LOG_PANE_LINES ? all.slice(all.length - LOG_PANE_LINES) : all };
}
