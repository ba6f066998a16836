// How the view is drawn on a terminal: the options run-tui.tsx hands to Ink's render, in one place
// so that the view's benchmarks (test/bench/tui.bench.tsx, terminal-bytes.bench.tsx) measure
// exactly what the view writes.
//
// Loading this module also picks React's production build for the process, unless NODE_ENV says
// otherwise: React reads NODE_ENV once, when it is first loaded, so run-tui.tsx imports this module
// before ink. The development build checks every element it makes and keeps a stack for each; on
// the view that is about two thirds of the time from a key to its frame (the TUI benchmark), for
// warnings meant for React's developers, not for someone at a terminal. The tests render the
// components directly, without this module, and keep the development build's checks.
import type { RenderOptions } from 'ink';

process.env.NODE_ENV ??= 'production';

/**
 * Ink's render options for the view (Ink 6.8, see node_modules/ink/readme.md "render"):
 * - `incrementalRendering`: a new frame rewrites only the lines that changed since the last one,
 *   instead of erasing the whole frame and writing it again. Over SSH this is most of the bytes: a
 *   cursor move rewrites two rows, not forty.
 * - `maxFps`: at most this many frames a second; a burst of changes (log lines, engine events)
 *   between two frames is drawn once. 30 keeps the wait of a key pressed right after a frame
 *   under 34 ms (Ink draws the first change at once and the rest at the end of the interval).
 */
export const VIEW_RENDER_OPTIONS = {
  incrementalRendering: true,
  maxFps: 30,
} as const satisfies RenderOptions;
