// Every key a compose service may hold (https://docs.docker.com/reference/compose-file/services/),
// and what dockplan does with it: converted, or not applied with a warning saying why. A key that
// is in neither list is an error with a did-you-mean.

/** Keys converted into the spec (or read for the project: depends_on, profiles, extends). */
export const CONVERTED_KEYS = [
  'image', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'volumes', 'tmpfs', 'healthcheck', 'init',
  'user', 'privileged', 'cap_add', 'cap_drop', 'sysctls', 'ulimits', 'devices', 'logging', 'deploy', 'scale',
  'cpus', 'mem_limit', 'mem_reservation', 'shm_size', 'stop_grace_period', 'pull_policy', 'profiles', 'depends_on',
  'build', 'extends', 'networks',
] as const;

/** Keys dockplan reads but cannot honour: the warning says what happens instead. */
export const NOT_APPLIED_KEYS: Record<string, string> = {
  container_name: 'container_name is not applied: dockplan names containers <service>-<replica> so that it can run several and replace them',
  restart: 'restart is not applied: dockplan runs every container with restart unless-stopped',
  labels: "labels are not applied: dockplan's containers carry its own labels only (the spec has no labels)",
  expose: 'expose is not applied: it only documents ports; containers reach each other on any port of their network',
  hostname: "hostname is not applied: each container keeps Docker's own (its id)",
  domainname: 'domainname is not applied',
  working_dir: "working_dir is not applied: the container starts in the image's WORKDIR; set the folder in the command (sh -c 'cd /x && ...') or in the image",
  read_only: 'read_only is not applied: the container\'s root filesystem stays writable',
  stop_signal: 'stop_signal is not applied: containers stop with the image\'s STOPSIGNAL (SIGTERM by default)',
  tty: 'tty is not applied',
  stdin_open: 'stdin_open is not applied',
  network_mode: 'network_mode is not applied: containers join Docker\'s default bridge network of their machine',
  links: 'links are not applied: containers on one machine reach each other by address; across machines use published ports',
  external_links: 'external_links are not applied',
  extra_hosts: 'extra_hosts are not applied: no /etc/hosts entries are added',
  dns: 'dns is not applied: containers use their machine\'s DNS settings',
  dns_opt: 'dns_opt is not applied',
  dns_search: 'dns_search is not applied',
  configs: 'configs are not applied: put the file in the image or bind it with volumes',
  secrets: 'secrets are not applied: no file appears under /run/secrets; pass the value with env_file (its values are kept secret)',
  security_opt: 'security_opt is not applied: containers run with Docker\'s default security profile',
  pid: 'pid is not applied',
  ipc: 'ipc is not applied',
  uts: 'uts is not applied',
  userns_mode: 'userns_mode is not applied',
  cgroup: 'cgroup is not applied',
  cgroup_parent: 'cgroup_parent is not applied',
  platform: 'platform is not applied: each machine pulls the image for its own platform',
  runtime: 'runtime is not applied: containers use the machine\'s default runtime',
  isolation: 'isolation is not applied',
  stop_grace: 'stop_grace is not applied',
  mac_address: 'mac_address is not applied',
  group_add: 'group_add is not applied',
  oom_kill_disable: 'oom_kill_disable is not applied',
  oom_score_adj: 'oom_score_adj is not applied',
  pids_limit: 'pids_limit is not applied: dockplan sets cpu and memory limits',
  cpu_count: 'cpu_count is not applied: use cpus for a cpu limit',
  cpu_percent: 'cpu_percent is not applied: use cpus for a cpu limit',
  cpu_shares: 'cpu_shares is not applied: use cpus for a cpu limit',
  cpu_period: 'cpu_period is not applied: use cpus for a cpu limit',
  cpu_quota: 'cpu_quota is not applied: use cpus for a cpu limit',
  cpu_rt_runtime: 'cpu_rt_runtime is not applied',
  cpu_rt_period: 'cpu_rt_period is not applied',
  cpuset: 'cpuset is not applied',
  mem_swappiness: 'mem_swappiness is not applied',
  memswap_limit: 'memswap_limit is not applied: the swap limit is Docker\'s default (twice the memory limit)',
  blkio_config: 'blkio_config is not applied',
  device_cgroup_rules: 'device_cgroup_rules are not applied: list devices under devices:',
  storage_opt: 'storage_opt is not applied',
  gpus: 'gpus are not applied: dockplan does not hand out GPUs; list the device paths under devices:',
  credential_spec: 'credential_spec is not applied (Windows only)',
  annotations: 'annotations are not applied',
  attach: 'attach is not applied: dockplan does not attach to container output (see dockplan logs)',
  develop: 'develop (compose watch) is not applied: dockplan deploys images, it does not sync files',
  post_start: 'post_start hooks are not run',
  pre_stop: 'pre_stop hooks are not run',
  volumes_from: 'volumes_from is not applied: mount the same named volume in both services instead',
  label_file: "label_file is not applied: dockplan's containers carry its own labels only",
  models: 'models are not applied',
  provider: 'provider services are not run',
  use_api_socket: 'use_api_socket is not applied',
  driver_opts: 'driver_opts of the service (network driver options) are not applied',
};

/** Every key a service may hold. */
export const SERVICE_KEYS: readonly string[] = [...CONVERTED_KEYS, ...Object.keys(NOT_APPLIED_KEYS)];

/** Top-level keys of a compose file. */
export const TOP_KEYS = ['version', 'name', 'services', 'volumes', 'networks', 'configs', 'secrets', 'include', 'models'] as const;
