// The one reducer: every change to what the view shows goes through an action here.
import type { DeployEvent, ExecutionResult } from '../../execute/events.js';
import type { ServiceLock } from '../../execute/lock.js';
import type { ClusterState, ContainerState, ServiceState } from '../../model/cluster.js';
import type { ServiceSpec } from '../../model/spec.js';
import type { NameResolver } from '../../plan/operations.js';
import type { Plan } from '../../plan/plan.js';
import { planLines, projectPlanText } from '../plan-lines.js';
import { projectIn, servicesIn } from './services.js';
import type { ProjectPlan } from '../../plan/project-plan.js';
import type { AppState, AutoApprove, Draft, InspectView, LogView, Modal, ProjectView, Screen } from './app-state.js';
import { historyOnScreen, type HistoryView } from './history-view.js';
import { withLogLines, type LogPaneLine } from './logs-view.js';
import { applyExecutionEvent, finishExecution, startExecution } from './execution-view.js';

export type Action =
  | { type: 'cluster-loading' }
  | { type: 'cluster-loaded'; state: ClusterState }
  | { type: 'cluster-failed'; error: string }
  | { type: 'locks-loaded'; locks: ServiceLock[] }
  | { type: 'navigate'; screen: Screen }
  | { type: 'cursor'; list: keyof AppState['cursor']; delta: number }
  | { type: 'modal'; modal?: Modal }
  | { type: 'filter'; value: string }
  | { type: 'draft-planned'; draftId: number; plan: Plan; names: NameResolver }
  | { type: 'draft-failed'; draftId: number; error: string; forcible?: boolean }
  | { type: 'history-loaded'; serviceId: string; view: HistoryView }
  | { type: 'execution-start'; draft: Draft }
  | { type: 'project-loaded'; project: ProjectView }
  | { type: 'project-planned'; id: number; plan?: ProjectPlan; error?: string }
  | { type: 'project-run'; run?: AppState['projectRun'] }
  | { type: 'execution-event'; event: DeployEvent }
  | { type: 'execution-auto'; auto: AutoApprove }
  | { type: 'execution-stopping' }
  | { type: 'execution-finished'; result: ExecutionResult }
  | { type: 'logs'; logs?: LogView }
  /** New lines for the open logs pane (ignored when it is closed). */
  | { type: 'logs-lines'; lines: LogPaneLine[] }
  | { type: 'inspect'; inspect?: InspectView }
  | { type: 'notice'; text?: string }
  | { type: 'running-spec'; serviceId: string; spec: ServiceSpec }
  | { type: 'resize'; columns: number; rows: number };

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'cluster-loading':
      return { ...state, cluster: { ...state.cluster, refreshing: true } };
    case 'cluster-loaded':
      return followSelection(state, clampCursors({ ...state, cluster: { status: 'ready', state: action.state, refreshing: false } }));
    case 'cluster-failed':
      return { ...state, cluster: { ...state.cluster, status: state.cluster.state ? 'ready' : 'error', error: action.error, refreshing: false } };
    case 'locks-loaded':
      return { ...state, locks: action.locks };
    case 'navigate':
      return {
        ...state, screen: action.screen, modal: undefined, logs: undefined, inspect: undefined,
        cursor: { ...state.cursor, plan: 0, history: action.screen.kind === 'history' && state.screen.kind !== 'history' ? 0 : state.cursor.history, containers: action.screen.kind === 'service' && state.screen.kind === 'cluster' ? 0 : state.cursor.containers },
      };
    case 'cursor': {
      const max = listLength(state, action.list) - 1;
      const next = Math.max(0, Math.min(max, state.cursor[action.list] + action.delta));
      return { ...state, cursor: { ...state.cursor, [action.list]: next }, inspect: undefined };
    }
    case 'modal':
      return { ...state, modal: action.modal };
    case 'filter':
      return clampCursors({ ...state, filter: action.value, cursor: { ...state.cursor, services: 0 } });
    case 'draft-planned':
    case 'draft-failed':
      return { ...state, screen: updateDraft(state.screen, action.draftId, (d) =>
        action.type === 'draft-planned'
          ? { ...d, planning: 'ready', plan: action.plan, names: action.names, error: undefined }
          : { ...d, planning: 'error', error: action.error, forcible: action.forcible === true }) };
    case 'history-loaded':
      return state.screen.kind === 'history' && state.screen.serviceId === action.serviceId ? { ...state, screen: { ...state.screen, view: action.view } } : state;
    case 'execution-start':
      return { ...state, execution: startExecution(action.draft) };
    case 'project-loaded':
      return { ...state, project: action.project };
    case 'project-planned':
      return state.screen.kind === 'project-plan' && state.screen.id === action.id
        ? { ...state, screen: { ...state.screen, planning: action.plan ? 'ready' : 'error', plan: action.plan, error: action.error } }
        : state;
    case 'project-run':
      return { ...state, projectRun: action.run };
    case 'execution-event':
      return state.execution ? { ...state, execution: applyExecutionEvent(state.execution, action.event) } : state;
    case 'execution-auto':
      return state.execution ? { ...state, execution: { ...state.execution, auto: action.auto } } : state;
    case 'execution-stopping':
      return state.execution ? { ...state, execution: { ...state.execution, stopping: true } } : state;
    case 'execution-finished':
      // The quit question is about a running deploy: once it has ended, there is nothing to ask.
      return state.execution
        ? { ...state, execution: finishExecution(state.execution, action.result), ...(state.modal?.kind === 'confirm-quit' ? { modal: undefined } : {}) }
        : state;
    case 'logs':
      return { ...state, logs: action.logs, inspect: action.logs ? undefined : state.inspect };
    case 'logs-lines':
      return state.logs ? { ...state, logs: withLogLines(state.logs, action.lines) } : state;
    case 'inspect':
      return { ...state, inspect: action.inspect, logs: action.inspect ? undefined : state.logs };
    case 'notice':
      return state.notice === action.text ? state : { ...state, notice: action.text };
    case 'running-spec':
      return { ...state, runningSpecs: { ...state.runningSpecs, [action.serviceId]: action.spec } };
    case 'resize':
      return { ...state, size: { columns: action.columns, rows: action.rows } };
  }
}

function updateDraft(screen: Screen, draftId: number, update: (d: Draft) => Draft): Screen {
  if ((screen.kind === 'plan' || screen.kind === 'execute') && screen.draft.id === draftId) return { ...screen, draft: update(screen.draft) };
  return screen;
}

export { projectIn, servicesIn } from './services.js';

// ---- selectors ------------------------------------------------------------------------------

// The selectors below run on every key and every frame: what they derive from a loaded cluster
// state is kept per state object (the reducer replaces the state on each load, never edits it), so
// a key costs what changed, not a pass over every container of the cluster.
const visibleByState = new WeakMap<ClusterState, { filter: string; services: ServiceState[] }>();
const namesByState = new WeakMap<ClusterState, Map<string, string>>();
const orderedByService = new WeakMap<ServiceState, ContainerState[]>();

/**
 * The services listed on the cluster screen: those the filter matches (by name or project), the
 * services of a compose project next to each other (after the services of no project).
 */
export function visibleServices(state: AppState): ServiceState[] {
  const cluster = state.cluster.state;
  if (!cluster) return [];
  const f = state.filter.trim().toLowerCase();
  const known = visibleByState.get(cluster);
  if (known && known.filter === f) return known.services;
  const all = servicesIn(cluster);
  const shown = f ? all.filter((s) => s.name.toLowerCase().includes(f) || projectIn(s).toLowerCase().includes(f)) : all;
  const services = shown.map((s, i) => ({ s, i, p: projectIn(s) })).sort((a, b) => a.p.localeCompare(b.p) || a.i - b.i).map((x) => x.s);
  visibleByState.set(cluster, { filter: f, services });
  return services;
}


export function serviceById(state: AppState, serviceId: string): ServiceState | undefined {
  return state.cluster.state ? servicesIn(state.cluster.state).find((s) => s.id === serviceId) : undefined;
}

/** The service's containers in display order: by machine name, then container name. */
export function containersInOrder(state: AppState, service: ServiceState): ContainerState[] {
  let ordered = orderedByService.get(service);
  if (!ordered) {
    const name = machineNames(state);
    ordered = [...service.containers].sort((a, b) => (name.get(a.machineId) ?? '').localeCompare(name.get(b.machineId) ?? '') || a.name.localeCompare(b.name));
    orderedByService.set(service, ordered);
  }
  return ordered;
}

export function machineNames(state: AppState): Map<string, string> {
  const cluster = state.cluster.state;
  if (!cluster) return new Map();
  let names = namesByState.get(cluster);
  if (!names) {
    names = new Map(cluster.machines.map((m) => [m.id, m.name]));
    namesByState.set(cluster, names);
  }
  return names;
}

export function selectedContainer(state: AppState): ContainerState | undefined {
  if (state.screen.kind !== 'service') return undefined;
  const service = serviceById(state, state.screen.serviceId);
  return service ? containersInOrder(state, service)[state.cursor.containers] : undefined;
}

function listLength(state: AppState, list: keyof AppState['cursor']): number {
  if (list === 'services') return visibleServices(state).length;
  if (list === 'plan') return state.screen.kind === 'plan' ? planLines(state.screen.draft, state.showSecrets).length : state.screen.kind === 'project-plan' && state.screen.plan ? projectPlanText(state.screen.plan).length : 0;
  if (list === 'history') return historyOnScreen(state).length;
  if (state.screen.kind !== 'service') return 0;
  return serviceById(state, state.screen.serviceId)?.containers.length ?? 0;
}

/**
 * After a reload, the selection stays on the service (and, on the service screen, the container)
 * it was on, wherever that now is in the list; the position only holds when it is gone.
 */
function followSelection(before: AppState, after: AppState): AppState {
  const service = visibleServices(before)[before.cursor.services];
  const services = service ? visibleServices(after).findIndex((s) => s.id === service.id) : -1;
  const container = selectedContainer(before);
  const now = after.screen.kind === 'service' ? serviceById(after, after.screen.serviceId) : undefined;
  const containers = container && now ? containersInOrder(after, now).findIndex((c) => c.id === container.id) : -1;
  if ((services < 0 || services === after.cursor.services) && (containers < 0 || containers === after.cursor.containers)) return after;
  return {
    ...after,
    cursor: { ...after.cursor, ...(services >= 0 ? { services } : {}), ...(containers >= 0 ? { containers } : {}) },
  };
}

function clampCursors(state: AppState): AppState {
  const services = Math.max(0, Math.min(state.cursor.services, listLength(state, 'services') - 1));
  const containers = Math.max(0, Math.min(state.cursor.containers, listLength(state, 'containers') - 1));
  if (services === state.cursor.services && containers === state.cursor.containers) return state;
  return { ...state, cursor: { ...state.cursor, services, containers } };
}
