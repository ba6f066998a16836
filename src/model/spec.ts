// The service spec: the shape a user writes (one YAML file per service) after parsing and
// normalisation. Field names follow the file format (snake_case) on purpose: the resolved spec is
// stored as JSON in the `dockplan.spec` label, and reads there exactly like the file.
// Durations are milliseconds, sizes are bytes, cpu is a number of CPUs.

export type ServiceMode = 'replicated' | 'global';
export type PullPolicy = 'always' | 'missing' | 'never';
export type UpdateOrder = 'start-first' | 'stop-first' | 'auto';

/**
 * A published port.
 * ingress: `[hostname:][published:]container/http|https` — recorded for the cluster's HTTP proxy;
 *   not bound on the machine itself.
 * host:    `[ip:]published:container[/tcp|udp]@host` — bound on the machine by Docker.
 */
export interface PortSpec {
  mode: 'ingress' | 'host';
  hostname?: string;
  host_ip?: string;
  published?: number;
  container: number;
  protocol: 'http' | 'https' | 'tcp' | 'udp';
}

export interface VolumeSpec {
  name: string;
  type: 'volume' | 'bind' | 'tmpfs';
  /** bind: absolute path on the machine. */
  source?: string;
  /** tmpfs: size in bytes; mode as an octal number. */
  size?: number;
  mode?: number;
  /** volume: driver and its options, labels. */
  driver?: string;
  driver_opts?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface MountSpec {
  volume: string;
  path: string;
  read_only?: boolean;
}

export interface HealthcheckSpec {
  /** Docker's form: ['CMD', ...], ['CMD-SHELL', '...'] or ['NONE']. */
  test?: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  start_period?: number;
  disable?: boolean;
}

export interface ResourcesSpec {
  cpu?: number;
  memory?: number;
  memory_reservation?: number;
  shm_size?: number;
}

export interface UlimitSpec {
  soft: number;
  hard: number;
}

export interface DeviceSpec {
  host_path: string;
  container_path: string;
  permissions: string;
}

export interface LoggingSpec {
  driver: string;
  options?: Record<string, string>;
}

/**
 * What a rollout does when a new container fails its health gate (Swarm's update_config
 * failure_action, whose default is pause; here rollback): `rollback` restores every container the
 * deploy replaced, `pause` stops and lets the user choose, `continue` goes on.
 */
export type FailureAction = 'rollback' | 'pause' | 'continue';

/** How a rollout runs (compose's deploy.update_config, Swarm's `docker service update --update-*`). */
export interface UpdateSpec {
  order?: UpdateOrder;
  /** How long a new container must stay running (and healthy) before it counts as up, in ms. */
  monitor?: number;
  /** Containers updated at once (a batch); default 1. */
  parallelism?: number;
  /** Wait between batches, in ms; default 0. */
  delay?: number;
  /** What a failed batch leads to; default rollback. */
  failure_action?: FailureAction;
  /** Failures tolerated before failure_action applies, as a fraction of the containers updated (0..1); default 0. */
  max_failure_ratio?: number;
}

export interface PlacementSpec {
  /** Machine names or ids; empty means any machine. */
  machines?: string[];
}

export interface ServiceSpec {
  name?: string;
  /**
   * The compose project the service was deployed with (its `name:`, or its folder); set from the
   * compose file, never written in a spec file. Groups the project's services in the view and `ls`;
   * changes no container.
   */
  project?: string;
  mode?: ServiceMode;
  replicas?: number;
  image: string;
  /**
   * What the plan resolved the image to; never written in a spec file. Either a registry digest
   * reference (`repo:tag@sha256:...`, pullable anywhere) or, for an image without a registry
   * digest (built or loaded locally), its image ID (`sha256:...`), which only machines holding
   * those bytes can run. Containers are created from this reference, so every machine runs the
   * same bytes.
   */
  image_ref?: string;
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  /**
   * Names of env variables whose values are secret whatever their names (compose env_file values
   * fill it): masked everywhere and sealed in labels, like names that look secret (src/plan/secrets.ts).
   */
  secret_env?: string[];
  ports?: PortSpec[];
  volumes?: VolumeSpec[];
  mounts?: MountSpec[];
  placement?: PlacementSpec;
  healthcheck?: HealthcheckSpec;
  init?: boolean;
  privileged?: boolean;
  user?: string;
  pull_policy?: PullPolicy;
  resources?: ResourcesSpec;
  cap_add?: string[];
  cap_drop?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, UlimitSpec>;
  devices?: DeviceSpec[];
  logging?: LoggingSpec;
  stop_grace_period?: number;
  update?: UpdateSpec;
}

export const DEFAULT_MONITOR_MS = 5_000;
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Docker's /dev/shm size for a container created without shm_size (64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;
