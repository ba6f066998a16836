// How the view is drawn on a terminal: the options run-tui.tsx hands to Ink's render, in one place
// so that the view's benchmarks (test/bench/tui.bench.tsx, terminal-bytes.bench.tsx) measure
// exactly what the view writes.
//
// React's production build: the development build checks every element it makes and keeps a stack
// for each; on the view that is about two thirds of the time from a key to its frame (the TUI
// benchmark), for warnings meant for React's developers. React and its reconciler each read
// NODE_ENV once, when first loaded, and must agree (a development React under a production
// reconciler draws nothing). The binary sets it in src/cli/main.ts before it imports any of the
// view's modules: in the built ES modules, React (CommonJS) is loaded before the body of any
// module that imports ink runs, this one included. The line below covers what imports this module
// before ink under tsx (the view's benchmarks); the tests render the components without it and keep
// the development build's checks.
import type { RenderOptions } from 'ink';

process.env.NODE_ENV ??= 'production';

/**
 * Ink's render options for the view (Ink 6.8, see node_modules/ink/readme.md "render"):
 * - `maxFps`: at most this many frames a second; a burst of changes (log lines, engine events)
 *   between two frames is drawn once. 30 keeps the wait of a key pressed right after a frame
 *   under 34 ms (Ink draws the first change at once and the rest at the end of the interval).
 * - `incrementalRendering` stays off: Ink 6.8's line diff starts one row low after a frame that
 *   ends in a newline (Ink ends every frame shorter than the terminal so), rewriting the wrong rows:
 *   in tmux the loading line stayed above the machine table and a machine row was drawn twice,
 *   also with every frame of one height; a frame as tall as the terminal avoids the newline but
 *   Ink then clears the screen and writes it whole. A view an on-call engineer reads must never
 *   show a row that is not there. The view gets the saving another way: runTui hands Ink a stdout
 *   that turns each whole frame into the rows that changed (row-diff.ts).
 */
export const VIEW_RENDER_OPTIONS = {
  incrementalRendering: false,
  maxFps: 30,
} as const satisfies RenderOptions;
