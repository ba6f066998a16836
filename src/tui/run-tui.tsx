// Starts the interactive view on a terminal and returns the exit code when it ends. The client (and
// the lock and history runs go through) come from the composition root: the view builds none.
// render-options first: it picks React's build before ink loads React (see the module).
import { VIEW_RENDER_OPTIONS } from './render-options.js';
import { render } from 'ink';
import type { ApplyDeps } from '../execute/apply.js';
import type { Client } from '../execute/client.js';
import { applyCharset } from '../terminal/charset.js';
import { terminalGone } from '../terminal/hangup.js';
import { App } from './components/app.js';
import { Controller } from './controller.js';
import { rowDiffStdout } from './row-diff.js';
import { initialState } from './state/app-state.js';
import { createStore } from './state/store.js';

export interface TuiOptions {
  readonly?: boolean;
  /** The deploy lock and the history. */
  deps?: Omit<ApplyDeps, 'client'>;
  /** Compose files (`dockplan --compose compose.yaml`): the project the view offers to plan. */
  projectFiles?: string[];
  /** `dockplan --show-secrets`: secret values shown, not masked. */
  showSecrets?: boolean;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const CLEAR = '\x1b[2J\x1b[3J\x1b[H';
/** The exit code after an interrupt, as Ctrl-C in the view gives (src/cli/exit-codes.ts). */
const EXIT_INTERRUPTED = 130;
/** Signals the view handles as Ctrl-C: SIGHUP is what a dropped ssh session sends. */
const VIEW_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runTui(client: Client, opts: TuiOptions = {}): Promise<number> {
  const { stdin, stderr } = process;
  // Everything the view writes goes through it: only the rows that changed reach the terminal.
  const stdout = rowDiffStdout(process.stdout);
  // Ink lays out by display width and then writes: converting what it writes (each glyph to one
  // ASCII character of the same width) keeps its layout true. A no-op when bin/ already did it.
  const restoreCharset = applyCharset(process.env, process.stdout, stderr);
  const store = createStore(initialState({
    readonly: opts.readonly ?? false,
    showSecrets: opts.showSecrets ?? false,
    clusterName: client.describe(),
    columns: stdout.columns ?? 80,
    rows: stdout.rows ?? 24,
  }));
  let exitCode = 0;
  let instance: ReturnType<typeof render> | undefined;
  const controller = new Controller(client, store, {
    suspend: (fn) => {
      instance?.clear();
      stdin.setRawMode?.(false);
      stdout.write(ALT_SCREEN_OFF);
      try {
        fn();
      } finally {
        stdout.write(ALT_SCREEN_ON + CLEAR);
        stdin.setRawMode?.(true);
        store.dispatch({ type: 'resize', columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
      }
    },
    exit: (code) => {
      exitCode = code;
      instance?.unmount();
    },
    ...(opts.deps ? { deps: opts.deps } : {}),
    ...(opts.projectFiles ? { projectFiles: opts.projectFiles } : {}),
  });
  // A resized terminal re-wraps or cuts what is on it, and Ink's own redraw on a resize (made with
  // the view's old size, before the view has its new one) can be wider or taller than the terminal.
  // This listener runs before Ink's (registered by render): the row diff forgets the screen, and the
  // first frame that fits the new size is drawn whole on a wiped screen (nothing is wiped while no
  // such frame comes, so a frame the new size does not change stays on screen).
  const onResize = () => stdout.afterResize(CLEAR);
  stdout.on('resize', onResize);
  // A signal from outside (kill, or SIGHUP when the ssh session drops) does what Ctrl-C in the view
  // does, never less: a run under way stops safely (what is under way finishes or undoes itself,
  // the lock is released, the history written) and the view then quits; a second one rolls the
  // run back; with no run, the view quits at once. (Listening here also keeps Ink's own exit hook
  // from killing the process mid-run.)
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP') terminalGone();
    if (!controller.executing) return controller.quit(EXIT_INTERRUPTED);
    if (signalled) return controller.interrupt();
    signalled = true;
    controller.quitAfterCurrent(EXIT_INTERRUPTED);
  };
  for (const signal of VIEW_SIGNALS) process.on(signal, onSignal);
  stdout.write(ALT_SCREEN_ON);
  try {
    instance = render(<App controller={controller} />, { ...VIEW_RENDER_OPTIONS, stdout, exitOnCtrlC: false });
    controller.start().catch((err: unknown) => {
      store.dispatch({ type: 'cluster-failed', error: err instanceof Error ? err.message : String(err) });
    });
    await instance.waitUntilExit();
  } finally {
    for (const signal of VIEW_SIGNALS) process.off(signal, onSignal);
    stdout.off('resize', onResize);
    controller.dispose();
    stdout.write(ALT_SCREEN_OFF);
    restoreCharset();
  }
  return exitCode;
}
