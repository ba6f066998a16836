// The services of a loaded cluster state, as the view lists them, derived once per state: the
// screens and the reducer ask on every key and every frame, and a state is never changed once
// loaded (a load replaces it), so each is kept with its state object and goes with it.
import type { ClusterState, ServiceState } from '../../model/cluster.js';
import { servicesOf } from '../../model/cluster.js';
import { projectOf } from '../../plan/service-summary.js';

const servicesByState = new WeakMap<ClusterState, ServiceState[]>();
const projectByService = new WeakMap<ServiceState, string>();

/** servicesOf(state), computed once per loaded state; callers must not change the array. */
export function servicesIn(state: ClusterState): ServiceState[] {
  let services = servicesByState.get(state);
  if (!services) {
    services = servicesOf(state);
    servicesByState.set(state, services);
  }
  return services;
}

/** projectOf(service), '' for none, computed once per service of a loaded state. */
export function projectIn(service: ServiceState): string {
  let project = projectByService.get(service);
  if (project === undefined) {
    project = projectOf(service) ?? '';
    projectByService.set(service, project);
  }
  return project;
}
