// The view mounted on a fake terminal for the benchmarks: the App, its Controller and store, on a
// Client, drawn by Ink into a FakeTty and read from a FakeStdin. Import it only after
// terminalEnvironment() (fake-terminal.ts): it loads ink.
// First: it chooses React's build for the process, as it does for the view (see the module).
import { VIEW_RENDER_OPTIONS } from '../../src/tui/render-options.js';
import { Text, render, type RenderOptions } from 'ink';
import React from 'react';
import type { Client } from '../../src/execute/client.js';
import type { ClusterState, ContainerState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { nameResolver } from '../../src/plan/plan.js';
import { planRolling } from '../../src/plan/rolling.js';
import { App } from '../../src/tui/components/app.js';
import { rowDiffStdout } from '../../src/tui/row-diff.js';
import { Controller } from '../../src/tui/controller.js';
import type { Draft } from '../../src/tui/state/app-state.js';
import { initialState } from '../../src/tui/state/app-state.js';
import { createStore, type Store } from '../../src/tui/state/store.js';
import { MemoryCluster } from '../support/memory-client.js';
import { FakeStdin, FakeTty } from './fake-terminal.js';

export { VIEW_RENDER_OPTIONS };

// Outside tsconfig.json's include, tsx compiles JSX to React.createElement: React must be in scope.
void React;

/** How a view is drawn: Ink's render options, and whether its writes go through rowDiffStdout. */
export type Drawing = Pick<RenderOptions, 'incrementalRendering' | 'maxFps'> & { rowDiff: boolean };

/** As runTui draws the view: its render options, and only the rows that changed written. */
export const VIEW_DRAWING = { ...VIEW_RENDER_OPTIONS, rowDiff: true } as const satisfies Drawing;

/** Ink's options before the view chose its own: every frame erased and written whole, 30 a second. */
export const WHOLE_FRAME_OPTIONS = { incrementalRendering: false, maxFps: 30, rowDiff: false } as const satisfies Drawing;

/** The view on a fake terminal. */
export interface ViewSession {
  stdout: FakeTty;
  stdin: FakeStdin;
  store: Store;
  controller: Controller;
  /** Unmounts the view and stops the controller's watches and streams. */
  close(): Promise<void>;
}

/**
 * Mounts the view (App + Controller) on `client`, drawn as `drawing` says into a `columns` x `rows`
 * FakeTty, and starts the controller (the first load of the cluster), as runTui does.
 */
export function mountView(client: Client, drawing: Drawing, size = { columns: 120, rows: 40 }): ViewSession {
  const stdout = new FakeTty(size.columns, size.rows);
  const { rowDiff, ...options } = drawing;
  const out = (rowDiff ? rowDiffStdout(stdout as unknown as NodeJS.WriteStream) : stdout) as unknown as NodeJS.WriteStream;
  const stdin = new FakeStdin();
  const store = createStore(initialState({ readonly: false, clusterName: client.describe(), columns: size.columns, rows: size.rows }));
  let unmount = () => {};
  const controller = new Controller(client, store, { suspend: (fn) => fn(), exit: () => unmount() });
  const instance = render(<App controller={controller} />, {
    ...options,
    stdout: out,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  unmount = () => instance.unmount();
  void controller.start();
  return {
    stdout, stdin, store, controller,
    async close() {
      controller.dispose();
      instance.unmount();
      instance.cleanup();
    },
  };
}

/** Renders one line of text (the baseline of a first frame) and resolves with the time to its write (ms). */
export async function baselineFrame(): Promise<number> {
  const stdout = new FakeTty();
  const stdin = new FakeStdin();
  const frame = stdout.nextWrite('of the baseline text', (w) => w.text.includes('ready'));
  const start = performance.now();
  const instance = render(<Text>ready</Text>, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false });
  const w = await frame;
  instance.unmount();
  instance.cleanup();
  return w.at - start;
}

/**
 * A Client that shows a fixed cluster state (a synthetic one from generateCluster): loadState
 * gives it, inspectContainer reads the container from it; everything else is the memory
 * cluster's (nothing in the view's read paths).
 */
export class FixedStateClient extends MemoryCluster {
  /** Every container by machine and id: an inspection costs what Docker's would, not a scan of the cluster. */
  private readonly byId = new Map<string, ContainerState>();

  constructor(private readonly fixed: ClusterState) {
    super([]);
    for (const m of fixed.machines) for (const c of m.containers) this.byId.set(`${m.id}/${c.id}`, c);
  }

  override async loadState(): Promise<ClusterState> {
    return this.fixed;
  }

  override async inspectContainer(machineId: string, containerId: string): Promise<ContainerState> {
    const c = this.byId.get(`${machineId}/${containerId}`);
    if (!c) throw new Error(`No such container: ${containerId} on ${machineId}`);
    return c;
  }

  override describe(): string {
    const containers = this.fixed.machines.reduce((n, m) => n + m.containers.length, 0);
    return `synthetic cluster (${this.fixed.machines.length} machines, ${containers} containers)`;
  }
}

/**
 * A planned draft of `operations` operations for service `name` of `state`: its image changed and
 * its replicas set to `operations` (each replica replaced, the rest run). Throws when the planner
 * gives another count, so a benchmark never measures a plan of the wrong size.
 */
export function plannedDraft(state: ClusterState, name: string, operations: number): Draft {
  const service = findService(state, name);
  const spec = service?.containers[0]?.service?.spec;
  if (!service || !spec) throw new Error(`the synthetic state has no service ${name} with a spec`);
  const desired: ServiceSpec = { ...structuredClone(spec), image: `${spec.image}-next`, replicas: operations };
  const plan = planRolling(state, service, service.id, desired);
  if (plan.operations.length !== operations) throw new Error(`the plan for ${name} has ${plan.operations.length} operations, expected ${operations}`);
  return { id: 1, serviceId: service.id, current: spec, desired, origin: `image and replicas ${service.containers.length} -> ${operations}`, planning: 'ready', plan, names: nameResolver(state) };
}
