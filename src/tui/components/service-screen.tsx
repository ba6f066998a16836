import { unseenMachines, type ClusterState, type ServiceState } from '../../model/cluster.js';
import type { ServiceSpec } from '../../model/spec.js';
import { Box, Text } from 'ink';
import { specToYaml } from '../../model/spec-yaml.js';
import { currentSpecOf } from '../../plan/current-spec.js';
import { maskSecrets } from '../../plan/spec-diff.js';
import { displayFit } from '../../terminal/text.js';
import type { AppState } from '../state/app-state.js';
import { containersInOrder, machineNames, serviceById } from '../state/reducer.js';
import { theme } from '../theme.js';
import { replicaText, summarizeService } from '../../plan/service-summary.js';
import { listWindow } from './list-window.js';
import { LogsPane } from './logs-pane.js';

const col = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

function uptime(status: string | undefined): string {
  return (status ?? '').replace(/\s*\((healthy|unhealthy|health: starting)\)/, '');
}

// The spec pane is drawn on every frame of the screen (each cursor move, each log line): the spec
// read from the labels and its YAML are made once per service and per spec object.
const labelSpecs = new WeakMap<ServiceState, { spec: ServiceSpec | undefined }>();
const yamlLines = { masked: new WeakMap<ServiceSpec, string[]>(), shown: new WeakMap<ServiceSpec, string[]>() };

function labelSpecOf(service: ServiceState, state: ClusterState): ServiceSpec | undefined {
  let known = labelSpecs.get(service);
  if (!known) {
    known = { spec: currentSpecOf(service, state) };
    labelSpecs.set(service, known);
  }
  return known.spec;
}

function specLines(spec: ServiceSpec, showSecrets: boolean): string[] {
  const cache = showSecrets ? yamlLines.shown : yamlLines.masked;
  let lines = cache.get(spec);
  if (!lines) {
    lines = specToYaml(showSecrets ? spec : maskSecrets(spec)).trimEnd().split('\n');
    cache.set(spec, lines);
  }
  return lines;
}

export function ServiceScreen({ state, serviceId, rows, columns }: { state: AppState; serviceId: string; rows: number; columns: number }) {
  const service = serviceById(state, serviceId);
  if (!service) return <Text color={theme.warn}>This service has no containers any more (esc to go back).</Text>;
  const names = machineNames(state);
  const containers = containersInOrder(state, service);
  const up = state.cluster.state?.machines.filter((m) => m.status === 'up').length ?? 0;
  const down = state.cluster.state ? unseenMachines(state.cluster.state) : [];
  const spec = state.runningSpecs[serviceId] ?? (state.cluster.state ? labelSpecOf(service, state.cluster.state) : undefined);
  const summary = summarizeService(service, state.cluster.state!);
  const pane = state.logs || state.inspect;
  // Rows: the service's line, a down-machines line, the heading, the list and its "1-2 of 6" line,
  // then a blank row, the pane's heading and the pane. On a terminal too short for a pane row the
  // pane is left out rather than pushing the title off the top.
  const fixed = 2 + (down.length ? 1 : 0);
  const listHeight = Math.max(1, Math.min(containers.length, pane ? Math.floor(rows / 3) : rows - 6, rows - fixed - 1));
  const { start, end } = listWindow(containers.length, state.cursor.containers, listHeight);
  // The container name is what plans and Docker commands use: never cut it while there is room.
  const nameWidth = Math.min(32, Math.max(9, ...containers.map((c) => c.name.length)));
  const paneHeight = rows - fixed - listHeight - (containers.length > listHeight ? 1 : 0) - 2;
  const showPane = paneHeight >= 1;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {service.name} <Text color={theme.dim}>· {service.mode} · {replicaText(summary)} running · {summary.health} · {summary.image}</Text>
      </Text>
      {down.length ? <Text color={theme.warn}>{down.map((m) => m.name).join(', ')} down: containers there cannot be seen</Text> : null}
      <Text color={theme.dim} wrap="truncate">{`  ${col('MACHINE', 7)} ${col('CONTAINER', nameWidth)} ${col('STATE', 8)} ${col('HEALTH', 9)} ${col('UPTIME', 15)} ${col('PORTS', 10)} IMAGE`}</Text>
      {containers.slice(start, end).map((c, i) => {
        const selected = start + i === state.cursor.containers;
        const healthColour = c.health === 'healthy' ? theme.ok : c.health === 'unhealthy' ? theme.bad : undefined;
        return (
          <Text key={c.id} wrap="truncate" inverse={selected} color={selected ? theme.selected : undefined}>
            {selected ? '> ' : '  '}{col(names.get(c.machineId) ?? '?', 7)} {col(c.name, nameWidth)}{' '}
            <Text color={c.state === 'running' ? theme.ok : theme.bad}>{col(c.state, 8)}</Text>{' '}
            <Text color={healthColour}>{col(c.health, 9)}</Text> {col(uptime(c.status), 15)}{' '}
            {col(c.hostPorts.map((p) => `${p.published}/${p.protocol}`).join(',') || '-', 10)} {c.image}
          </Text>
        );
      })}
      {containers.length > end - start ? <Text color={theme.dim}>  {start + 1}-{end} of {containers.length}</Text> : null}
      {showPane ? <Text> </Text> : null}
      {!showPane ? null : state.logs ? (
        <LogsPane view={state.logs} rows={paneHeight} columns={columns} />
      ) : state.inspect ? (
        <Box flexDirection="column">
          <Text bold>INSPECT {state.inspect.containerName} <Text color={theme.dim}>(i closes)</Text></Text>
          {state.inspect.lines.slice(0, paneHeight).map((line, i) => <Text key={i} wrap="truncate">{displayFit(line, columns)}</Text>)}
        </Box>
      ) : spec ? (
        <Box flexDirection="column">
          <Text bold>SPEC <Text color={theme.dim}>(as last deployed; e edits it)</Text></Text>
          {specLines(spec, state.showSecrets).slice(0, paneHeight).map((line, i) => <Text key={i} wrap="truncate" color={theme.dim}>{displayFit(line, columns)}</Text>)}
        </Box>
      ) : null}
    </Box>
  );
}
