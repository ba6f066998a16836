import { Box, Text } from 'ink';
import type { ClusterState, MachineState, ServiceState } from '../../model/cluster.js';
import { replicaText, summarizeService, type ServiceSummary } from '../../plan/service-summary.js';
import type { AppState } from '../state/app-state.js';
import { projectIn, visibleServices } from '../state/reducer.js';
import type { ProjectView } from '../state/app-state.js';
import { theme } from '../theme.js';
import { listWindow } from './list-window.js';
import { LockList, lockListHeight } from './lock-list.js';
import { Spinner } from './spinner.js';

const col = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

// A row's summary counts and sorts the service's containers: made once per service of a loaded
// state (a load replaces the state and its services), not on every frame.
const summaries = new WeakMap<ServiceState, ServiceSummary>();

function summaryOf(service: ServiceState, state: ClusterState): ServiceSummary {
  let summary = summaries.get(service);
  if (!summary) {
    summary = summarizeService(service, state);
    summaries.set(service, summary);
  }
  return summary;
}

export function ClusterScreen({ state, rows }: { state: AppState; rows: number }) {
  const { cluster } = state;
  if (cluster.status === 'loading' && !cluster.state) return <Spinner label={`loading ${state.clusterName}…`} />;
  if (!cluster.state) return <Text color={theme.bad}>Could not load the cluster: {cluster.error}</Text>;
  const clusterState = cluster.state;
  const machines = clusterState.machines;
  const up = machines.filter((m) => m.status === 'up').length;
  const services = visibleServices(state);
  // The machine table takes at most a third of the screen: a large cluster lists its down
  // machines first, then as many others as fit, and says how many more there are.
  const table = machineTable(machines, Math.max(2, Math.floor(rows / 3)));
  // A down machine's reason is too long for its column: it gets a line of its own under the table.
  const down = table.shown.filter((m) => m.status === 'down');
  const project = state.project;
  const projectRows = project ? 2 : 0;
  const height = Math.max(2, rows - table.shown.length - (table.more ? 1 : 0) - 7 - (down.length ? 1 + down.length : 0) - lockListHeight(state.locks) - projectRows);
  // A PROJECT column only when a listed service belongs to a compose project.
  const withProject = services.some((s) => projectIn(s) !== '');
  const { start, end } = listWindow(services.length, state.cursor.services, height);
  return (
    <Box flexDirection="column">
      <Text bold>MACHINES <Text color={theme.dim}>({up} of {machines.length} up)</Text></Text>
      <Text color={theme.dim} wrap="truncate">{`  ${col('NAME', 12)} ${col('STATUS', 34)} ${col('ENGINE', 15)} CONTAINERS`}</Text>
      {table.shown.map((m) => (
        <Text key={m.name} wrap="truncate">
          {'  '}{col(m.name, 12)}{' '}
          <Text color={m.status === 'up' ? theme.ok : theme.bad}>{col(m.status === 'up' ? 'up' : `down: ${m.downReason ?? 'unreachable'}`, 34)}</Text>
          {' '}{col(m.engineVersion ?? '-', 15)} {m.status === 'up' ? String(m.containers.length) : '? (cannot be seen)'}
        </Text>
      ))}
      {table.more ? <Text color={theme.dim} wrap="truncate">  … {table.more}</Text> : null}
      {down.map((m) => (
        <Text key={`why-${m.name}`} color={theme.bad} wrap="truncate">  {m.name} is down: {m.downReason ?? 'unreachable'}</Text>
      ))}
      <LockList locks={state.locks} />
      {project ? <ProjectLine project={project} /> : null}
      <Text> </Text>
      <Text bold>
        SERVICES <Text color={theme.dim}>({services.length}{state.filter ? ` matching "${state.filter}"` : ''})</Text>
        {cluster.refreshing ? <Text color={theme.dim}> refreshing…</Text> : null}
      </Text>
      {services.length === 0 ? (
        <Text color={theme.dim}>  {state.filter ? 'no service matches the filter (/ to change it)' : 'no services yet: n deploys one from a spec file'}</Text>
      ) : (
        <Text color={theme.dim} wrap="truncate">{`  ${withProject ? `${col('PROJECT', 10)} ` : ''}${col('NAME', 18)} ${col('MODE', 11)} ${col('REPLICAS', 9)} ${col('HEALTH', 16)} IMAGE`}</Text>
      )}
      {services.slice(start, end).map((s, i) => {
        const selected = start + i === state.cursor.services;
        const summary = summaryOf(s, clusterState);
        return (
          <Text key={s.id} wrap="truncate" color={selected ? theme.selected : undefined} inverse={selected}>
            {selected ? '> ' : '  '}{withProject ? `${col(projectIn(s) || '-', 10)} ` : ''}{col(summary.duplicateIds.length ? `${s.name} !${summary.duplicateIds.length + 1}ids` : s.name, 18)} {col(s.mode, 11)} {col(replicaText(summary), 9)} {col(summary.health, 16)} {summary.image}
          </Text>
        );
      })}
      {services.length > end - start ? <Text color={theme.dim}>  {start + 1}-{end} of {services.length}</Text> : null}
      {machines.some((m) => m.status === 'down') ? <Text color={theme.warn}>  containers on machines that are down are not counted above</Text> : null}
    </Box>
  );
}

/**
 * The machines the table lists within `room` rows (one of them kept for the line that says what is
 * not listed): every machine when they fit; else the down ones first, then the others in order.
 * `more` says how many are not listed and how many of those are up, e.g. `97 more machines (97 up)`.
 */
export function machineTable(machines: readonly MachineState[], room: number): { shown: MachineState[]; more?: string } {
  if (machines.length <= room) return { shown: [...machines] };
  const ordered = [...machines.filter((m) => m.status !== 'up'), ...machines.filter((m) => m.status === 'up')];
  const shown = ordered.slice(0, Math.max(1, room - 1));
  const rest = ordered.slice(shown.length);
  const restUp = rest.filter((m) => m.status === 'up').length;
  return { shown, more: `${rest.length} more machine${rest.length === 1 ? '' : 's'} (${restUp} up${restUp < rest.length ? `, ${rest.length - restUp} down` : ''})` };
}

/** The compose project the view was started with: its services in order, and the key that plans them all. */
function ProjectLine({ project }: { project: ProjectView }) {
  const files = project.files.join(', ') || 'compose file';
  if (project.status === 'loading') return <><Text> </Text><Text color={theme.dim} wrap="truncate">PROJECT reading {files}…</Text></>;
  if (project.status === 'error') return <><Text> </Text><Text color={theme.bad} wrap="truncate">PROJECT {files}: {project.error}</Text></>;
  return (
    <>
      <Text> </Text>
      <Text wrap="truncate">
        <Text bold>PROJECT {project.name}</Text>
        <Text color={theme.dim}> ({files}{project.warnings.length ? ` · ${project.warnings.length} warning${project.warnings.length === 1 ? '' : 's'}` : ''}) · P plans all {project.services.length}: {project.services.map((s) => s.key).join(', ')}</Text>
      </Text>
    </>
  );
}
