// The valid spec files that spec fuzzing starts from: the runnable examples, plus specs that
// between them use every key and every written form of a value (ports host and ingress, volumes of
// every type, mounts long and short, env and sysctls as a map and as a list, command as a string
// and as a list, anchors and merge keys).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One valid spec file: a name for reports, and its text. */
export interface SpecSeed {
  name: string;
  text: string;
}

/**
 * Every key, replicated, with the long forms (and a secret in env, which plans must mask). One
 * replica: its named volume lives on one machine.
 */
const EVERY_KEY = `# every key of a spec, replicated
name: shop
image: 10.213.0.1:5000/shop/api:2.1
mode: replicated
replicas: 1
command: exec api --port 8080 "--greeting=hello world" 'single quoted'
entrypoint: ["/bin/sh", "-c"]
env:
  LOG_LEVEL: info
  EMPTY:
  DB_PASSWORD: s3cret
  RETRIES: 3
ports:
  - 8080:8080@host
  - 127.0.0.1:9090:9090/udp@host
  - shop.example.com:443:8080/https
  - 8081/http
volumes:
  - name: shop-data
    driver: local
    driver_opts: { type: none, o: bind, device: /srv/shop }
    labels: { team: payments }
  - name: conf
    type: bind
    source: /etc/shop/
  - name: scratch
    type: tmpfs
    size: 64M
    mode: 1777
mounts:
  - { volume: shop-data, path: /data, read_only: false }
  - conf:/etc/shop:ro
  - volume: scratch
    path: /tmp/scratch/
placement:
  machines: [m1, m2, m3]
healthcheck:
  test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]
  interval: 1m30s
  timeout: 500ms
  retries: 5
  start_period: 1.5s
  disable: false
init: true
privileged: false
user: "1000:1000"
pull_policy: always
resources: { cpu: 1.5, memory: 256M, memory_reservation: 128MiB, shm_size: 1g }
cap_add: [NET_ADMIN, cap_sys_time]
cap_drop: [ALL]
sysctls: { net.core.somaxconn: "1024", net.ipv4.tcp_syncookies: 1 }
ulimits:
  nofile: { soft: 1024, hard: 2048 }
  nproc: 512
devices:
  - /dev/fuse
  - /dev/snd:/dev/sound:r
  - { host_path: /dev/net/tun, container_path: /dev/net/tun, permissions: rwm }
logging:
  driver: json-file
  options: { max-size: 10m, max-file: "3" }
stop_grace_period: 30s
update:
  order: start-first
  monitor: 5s
`;

/** Global, no name (it is generated), the list forms, bare numbers for durations and sizes. */
const GLOBAL_LIST_FORMS = `image: registry.example.com:5000/team/agent@sha256:${'4f'.repeat(32)}
mode: global
command: ["sh", "-c", "while true; do sleep 5; done"]
env:
  - LOG_LEVEL=debug
  - EMPTY=
  - WITH_EQUALS=a=b
sysctls:
  - net.ipv4.ip_forward=1
healthcheck:
  test: pidof sh || exit 1
  interval: 10
  retries: 0
resources: { cpu: "0.25", memory: 67108864 }
pull_policy: never
stop_grace_period: 5
update: { order: stop-first }
cap_add: [SYS_PTRACE]
privileged: true
user: nobody
devices: ["/dev/kvm:rw"]
`;

/** Anchors in x- fields, merge keys (one and several), a named volume mounted in the short form. */
const ANCHORS_AND_MERGES = `x-env: &env
  LOG_LEVEL: info
  REGION: eu
x-more: &more
  REGION: ap
  TRACE: "1"
x-check: &check
  interval: 2s
  timeout: 1s
name: merged
image: local/busybox:1
replicas: 3
env:
  <<: [*env, *more]
  REGION: us
healthcheck:
  <<: *check
  test: ["CMD-SHELL", "true"]
volumes:
  - name: merged-data
mounts: ["merged-data:/var/lib/merged"]
placement: { machines: [] }
logging: { driver: local }
update: { order: auto, monitor: 1m }
`;

const MINIMAL = 'image: local/busybox:1\n';

/** The specs in specs-examples/, read from the checkout so the fuzzing follows them. */
function exampleSeeds(): SpecSeed[] {
  const dir = join(PROJECT_DIR, 'specs-examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: `specs-examples/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

/** Every seed, examples first. Each one parses without errors (the fuzz test checks that first). */
export const SPEC_SEEDS: readonly SpecSeed[] = [
  ...exampleSeeds(),
  { name: 'every-key', text: EVERY_KEY },
  { name: 'global-list-forms', text: GLOBAL_LIST_FORMS },
  { name: 'anchors-and-merges', text: ANCHORS_AND_MERGES },
  { name: 'minimal', text: MINIMAL },
];
