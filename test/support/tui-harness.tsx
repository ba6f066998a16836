// The interactive view in a test: the real App, Controller and store over a real DockerClient (the
// test cluster), drawn by ink-testing-library. Keys go in through stdin; frames come out as text.
//
//   const tui = await renderTui({ rows: 40 });
//   await tui.waitFor('MACHINES (3 of 3 up)');
//   await tui.press('j', ENTER);
//   ...
//   await tui.cleanup();
import React from 'react';
import { randomBytes } from 'node:crypto';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { DockerClient } from '../../src/cluster/docker-client.js';
import type { Client } from '../../src/execute/client.js';
import { Deployment } from '../../src/execute/deployment.js';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { App } from '../../src/tui/components/app.js';
import { Controller, type ControllerOptions } from '../../src/tui/controller.js';
import { initialState } from '../../src/tui/state/app-state.js';
import { createStore, type Store } from '../../src/tui/state/store.js';
import { BUSYBOX, clusterFile, containersOf, machineUp, machines } from '../cluster/harness.js';

// tsx compiles files outside tsconfig's `include` (all of test/) with the classic JSX runtime:
// <App /> becomes React.createElement, so React must be in scope wherever a test file has JSX.
void React;

export const ENTER = '\r';
export const ESC = '\x1b';
export const UP = '\x1b[A';
export const DOWN = '\x1b[B';
export const CTRL_C = '\x03';
export const BACKSPACE = '\x7f';

export interface RenderTuiOptions {
  readonly?: boolean;
  /** The editor command (like $EDITOR): run through the shell with the file as its argument. */
  editor?: string;
  /** The folder whose spec files `n` offers. */
  specsDir?: string;
  /** The view's size; 100 x 40 by default (ink-testing-library's stdout is 100 columns wide). */
  columns?: number;
  rows?: number;
  /** Another client than the test cluster's (the in-memory one, for screens that need no engine). */
  client?: Client;
  /** The deploy lock and the history the view's runs go through (none by default). */
  deps?: ControllerOptions['deps'];
  /** Compose files, as `dockplan --compose FILE` gives them. */
  projectFiles?: string[];
  /** Secret values shown, as `dockplan --show-secrets` does. */
  showSecrets?: boolean;
}

export type FrameMatcher = string | RegExp | ((frame: string) => boolean);

export interface Tui {
  /** The last frame drawn, without colours. */
  frame(): string;
  /** The last frame as Ink wrote it, colour sequences and all: to prove what did not reach the terminal. */
  rawFrame(): string;
  /** Every line of the last frame. */
  lines(): string[];
  /** Writes each key to stdin, letting the event loop turn after each one. */
  press(...keys: string[]): Promise<void>;
  /** Polls the frame until it matches; throws with the last frame on timeout. Returns that frame. */
  waitFor(match: FrameMatcher, timeoutMs?: number): Promise<string>;
  /** Moves the cursor (j) until the selected service line names `name`, then waits for the service screen when `open`. */
  selectService(name: string, opts?: { open?: boolean }): Promise<void>;
  store: Store;
  controller: Controller;
  client: Client;
  /** The code the view asked to exit with; undefined while it runs. */
  exitCode(): number | undefined;
  cleanup(): Promise<void>;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function matches(frame: string, match: FrameMatcher): boolean {
  if (typeof match === 'string') return frame.includes(match);
  if (match instanceof RegExp) return match.test(frame);
  return match(frame);
}

function describe(match: FrameMatcher): string {
  if (typeof match === 'string') return JSON.stringify(match);
  if (match instanceof RegExp) return String(match);
  return 'the predicate';
}

export async function renderTui(opts: RenderTuiOptions = {}): Promise<Tui> {
  const client: Client = opts.client ?? await DockerClient.open(clusterFile());
  const store = createStore(initialState({
    readonly: opts.readonly ?? false,
    showSecrets: opts.showSecrets ?? false,
    clusterName: client.describe(),
    columns: opts.columns ?? 100,
    rows: opts.rows ?? 40,
  }));
  let code: number | undefined;
  let unmounted = false;
  let instance: ReturnType<typeof render> | undefined;
  const unmount = () => {
    if (unmounted) return;
    unmounted = true;
    instance?.unmount();
  };
  const controller = new Controller(client, store, {
    suspend: (fn) => fn(),
    exit: (c) => {
      code = c;
      unmount();
    },
    editor: opts.editor,
    specsDir: opts.specsDir,
    ...(opts.deps ? { deps: opts.deps } : {}),
    ...(opts.projectFiles ? { projectFiles: opts.projectFiles } : {}),
  });
  instance = render(<App controller={controller} />);
  const started = controller.start().catch((err: unknown) => err);
  const ink = instance;

  const frame = () => stripVTControlCharacters(ink.lastFrame() ?? '');
  const tui: Tui = {
    frame,
    rawFrame: () => ink.lastFrame() ?? '',
    lines: () => frame().split('\n'),
    async press(...keys) {
      for (const key of keys) {
        ink.stdin.write(key);
        for (let i = 0; i < 5; i++) await turn();
      }
    },
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = frame();
        if (matches(now, match)) return now;
        if (Date.now() >= deadline) {
          throw new Error(`the view did not show ${describe(match)} within ${timeoutMs} ms; last frame:\n${now}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async selectService(name, { open = true } = {}) {
      await tui.waitFor(name, 15_000);
      for (let i = 0; ; i++) {
        const selected = tui.lines().find((l) => l.startsWith('> '));
        if (selected?.includes(name)) break;
        if (i === 200) throw new Error(`could not move to ${name} with j; last frame:\n${frame()}`);
        await tui.press('j');
      }
      if (!open) return;
      await tui.press(ENTER);
      // The service screen's first line is the service's name, then its mode.
      await tui.waitFor(new RegExp(`^${name} · `, 'm'));
    },
    store,
    controller,
    client,
    exitCode: () => code,
    async cleanup() {
      await started;
      controller.dispose();
      unmount();
      await client.close();
    },
  };
  return tui;
}

// ---- services the tests deploy ------------------------------------------------------------

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `tui-<tag>-<4 random chars>`: the only names these tests create (and remove). */
export function serviceName(tag: string): string {
  return `tui-${tag}-${[...randomBytes(4)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

/** A spec file's text that must be valid, as a spec. */
export function specOf(text: string): ServiceSpec {
  const { spec, errors } = parseSpec(text, 'tui-test.yaml');
  if (!spec || errors.length) throw new Error(`the test spec is invalid:\n${errors.map(formatSpecError).join('\n')}\n${text}`);
  return spec;
}

/**
 * A replicated busybox service that logs a line a second and has a fast healthcheck, so that a
 * deploy of it takes about a second per container and its containers stop at once (init).
 */
export function loggerSpec(name: string, replicas: number): string {
  return [
    `name: ${name}`,
    `image: ${BUSYBOX}`,
    `replicas: ${replicas}`,
    `command: ["sh", "-c", "echo hello from ${name}; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]`,
    'healthcheck:',
    '  test: ["CMD", "true"]',
    '  interval: 300ms',
    '  timeout: 2s',
    '  retries: 1',
    'init: true',
    'update:',
    '  monitor: 300ms',
  ].join('\n') + '\n';
}

/** Plans and runs a spec through the engine (no view); the run must succeed. */
export async function deploy(specText: string): Promise<void> {
  const client = await DockerClient.open(clusterFile());
  try {
    const result = await (await new Deployment(client, specOf(specText)).run()).result;
    if (result.outcome !== 'done') throw new Error(`deploy failed: ${JSON.stringify(result.failure ?? result.reason ?? result.outcome)}`);
  } finally {
    await client.close();
  }
}

/** Containers of the service per machine name, through Docker: { m1: ['a-1x2y'], ... } (running ones when `running`). */
export async function containersByMachine(service: string, opts: { running?: boolean } = {}): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const m of machines()) {
    const list = (await containersOf(m.name, service)).filter((c) => !opts.running || c.state === 'running');
    out[m.name] = list.map((c) => c.name).sort();
  }
  return out;
}

/** Removes every container of these services on every machine that is up (never anything else). */
export async function removeServices(names: Iterable<string>): Promise<void> {
  const all = [...names];
  await Promise.all(machines().map(async (m) => {
    if (!(await machineUp(m.name))) return;
    for (const name of all) {
      const list = await containersOf(m.name, name).catch(() => []);
      await Promise.all(list.map((c) => m.docker.getContainer(c.id).remove({ force: true, v: true }).catch(() => undefined)));
    }
  }));
}
