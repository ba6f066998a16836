#!/usr/bin/env bash
# Test cluster for dockplan: three "machines" m1 m2 m3, each a real dockerd in
# its own network namespace on the bridge dpbr0, plus a plain-HTTP registry on
# the bridge address and a locally built busybox image on every machine.
#
#   bash scripts/cluster.sh up                  start (or repair) the cluster; idempotent
#   bash scripts/cluster.sh down                stop everything and remove all state
#   bash scripts/cluster.sh status              one line per component; exit 0 when all are up
#   bash scripts/cluster.sh stop-machine mN [--graceful]
#                                               power the machine off: SIGKILL its dockerd, then
#                                               kill its containers, shims and containerd (about
#                                               0.1 s); --graceful: SIGTERM first, dockerd stops
#                                               the containers itself (10 s if one ignores SIGTERM)
#   bash scripts/cluster.sh start-machine mN    start that engine again, wait until it answers
#   bash scripts/cluster.sh rekey shared|own    restart the engines with one identity key file
#                                               shared by all three ($ROOT/shared-key.json), or
#                                               each with its own again ($ROOT/mN/key.json)
#
# Identity keys: dockerd 20.10 derives the engine ID in 'docker info' from the identity key
# ('deprecated-key-path', default /etc/docker/key.json), so engines cloned from one image report
# one ID. 'own' (the default) gives each engine its own key and ID; 'shared' gives all three
# the same key and so the same ID, like such clones. The mode is kept in $ROOT/key-mode and
# applies to every engine started later (start-machine too). 'rekey' stops only the engines whose
# key differs (gracefully: dockerd stops their containers) and starts them again; containers
# with a restart policy (always, unless-stopped) come back, others stay stopped. 'up' brings
# the cluster to DOCKPLAN_CLUSTER_KEYS (default own), restarting engines that use the other mode.
#
# TLS: m3's dockerd also listens on tcp://10.213.0.13:2376 with --tlsverify. 'up' makes the
# certificates once (openssl, EC P-256, ten years) in $ROOT/tls: ca/{ca,key}.pem (the CA),
# server/{ca,cert,key}.pem (m3's, subjectAltName IP:10.213.0.13 and DNS:m3) and
# client/{ca,cert,key}.pem (a client certificate the engine accepts: DOCKER_CERT_PATH=$ROOT/tls/client).
#
# Environment: DOCKPLAN_CLUSTER_ROOT (default /var/lib/dockplan-cluster),
#              DOCKPLAN_CLUSTER_TIMEOUT (seconds to wait for a component, default 60),
#              DOCKPLAN_CLUSTER_KEYS (own or shared, for 'up'; default own).
# Writes <project>/.cluster/cluster.yaml and <project>/.cluster/env.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ROOT=${DOCKPLAN_CLUSTER_ROOT:-/var/lib/dockplan-cluster}
TIMEOUT=${DOCKPLAN_CLUSTER_TIMEOUT:-60}
BRIDGE=dpbr0
SUBNET_PREFIX=10.213.0
BRIDGE_IP=$SUBNET_PREFIX.1
REGISTRY=$BRIDGE_IP:5000
MACHINES=(m1 m2 m3)
IMAGE=local/busybox:1
REGISTRY_IMAGE=$REGISTRY/busybox:1
DOMAIN=dockplan.test
CLUSTER_DIR=$PROJECT_DIR/.cluster
LOCK_FILE=/run/lock/dockplan-cluster.lock
MARKER=.dockplan-cluster-root
TLS_MACHINE=m3
TLS_PORT=2376

say() { printf '[cluster] %s\n' "$*"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- checks
need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, bridges and dockerd need it): try sudo bash scripts/cluster.sh ${1:-up}"
}

need_tool() { # need_tool COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: apt-get install $2"
}

check_tools() {
  need_tool dockerd docker.io
  need_tool containerd docker.io
  need_tool docker docker.io
  need_tool nsenter util-linux
  need_tool setsid util-linux
  need_tool unshare util-linux
  need_tool flock util-linux
  need_tool ip iproute2
  need_tool iptables iptables
  need_tool docker-registry docker-registry
  need_tool curl curl
  need_tool tar tar
  need_tool openssl openssl
  [[ -x /bin/busybox ]] || die "busybox is not installed: apt-get install busybox-static"
  # the image needs a static busybox (the 'busybox' package's one is dynamic)
  if LC_ALL=C ldd /bin/busybox 2>&1 | grep -q '=>'; then
    die "/bin/busybox is dynamically linked: apt-get install busybox-static"
  fi
}

check_root_dir() {
  [[ $ROOT == /* ]] || die "DOCKPLAN_CLUSTER_ROOT must be an absolute path (got '$ROOT')"
  ROOT=${ROOT%/}
  case "$ROOT" in
    ''|/|/bin|/boot|/dev|/etc|/home|/lib|/lib64|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/var|/var/lib|/var/run)
      die "refusing DOCKPLAN_CLUSTER_ROOT=$ROOT: use a dedicated folder" ;;
  esac
  # unix socket paths are limited to 108 bytes; the longest one is
  # $ROOT/mN/exec/containerd/containerd.sock (+ 33 chars)
  (( ${#ROOT} <= 60 )) || die "DOCKPLAN_CLUSTER_ROOT is too long (${#ROOT} chars, max 60): socket paths would not fit"
}

valid_machine() {
  local m
  for m in "${MACHINES[@]}"; do [[ $m == "${1:-}" ]] && return 0; done
  die "unknown machine '${1:-}': expected one of ${MACHINES[*]}"
}

# ---------------------------------------------------------------- helpers
lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 600 9 || die "another cluster.sh is still running (lock $LOCK_FILE)"
}

mip() { echo "$SUBNET_PREFIX.1${1#m}"; }            # m1 -> 10.213.0.11
mdir() { echo "$ROOT/$1"; }
msock() { echo "$ROOT/$1/docker.sock"; }
mdocker() { local m=$1; shift; docker -H "unix://$(msock "$m")" "$@"; }
shared_key() { echo "$ROOT/shared-key.json"; }

# the identity key mode engines start with: own (default) or shared, kept in $ROOT/key-mode
key_mode() {
  local mode
  mode=$(cat "$ROOT/key-mode" 2>/dev/null || true)
  [[ $mode == shared ]] && echo shared || echo own
}
set_key_mode() { # set_key_mode own|shared
  local tmp
  mkdir -p "$ROOT"
  tmp=$(mktemp "$ROOT/.key-mode.XXXXXX")
  echo "$1" >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$ROOT/key-mode"
}
valid_key_mode() {
  [[ ${1:-} == own || ${1:-} == shared ]] || die "unknown key mode '${1:-}': expected own or shared"
}
key_path() { # key_path mN: the identity key file mN starts with in the current mode
  if [[ $(key_mode) == shared ]]; then shared_key; else echo "$(mdir "$1")/key.json"; fi
}
# the key file a running engine was started with (from the config file written at its start)
running_key_path() {
  sed -n 's/^ *"deprecated-key-path": *"\(.*\)".*$/\1/p' "$(mdir "$1")/daemon.json" 2>/dev/null || true
}

# alive = exists and is not a zombie (killed daemons are reparented to PID 1, which may reap late)
pid_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}
read_pid() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

# pid from a pidfile, only if that process is alive and runs the expected program
pidfile_pid() { # pidfile_pid FILE COMM
  local pid comm
  pid=$(read_pid "$1")
  pid_alive "$pid" || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [[ $comm == "$2"* ]] || return 1
  echo "$pid"
}

# In the subshell that becomes a daemon: close every descriptor but 0, 1 and 2. A daemon must not
# keep the caller's open: a lock the caller holds (flock -c 'cluster.sh ...', the script's own
# lock on fd 9) would stay held for as long as the daemon runs.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [[ $fd =~ ^[0-9]+$ ]] && (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

engine_answers() { curl -sf --max-time 3 --unix-socket "$(msock "$1")" http://engine/_ping >/dev/null 2>&1; }
# 200 only: a registry with auth (e.g. Debian's own service on :5000) answers 401
registry_answers() { [[ $(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/" 2>/dev/null) == 200 ]]; }

fail_with_log() { # fail_with_log MESSAGE LOGFILE
  printf 'cluster.sh: %s\n' "$1" >&2
  if [[ -f $2 ]]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 25 "$2" >&2 || true
  fi
  exit 1
}

wait_gone() { # wait_gone PID SECONDS
  local pid=$1 i
  for (( i = 0; i < $2 * 10; i++ )); do pid_alive "$pid" || return 0; sleep 0.1; done
  return 1
}

stop_pid() { # stop_pid PID SECONDS: SIGTERM, then SIGKILL after SECONDS
  local pid=$1
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" "$2" && return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 10 || true
}

# ---------------------------------------------------------------- network
net_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  if ! ip -4 addr show dev "$BRIDGE" | grep -q "inet $BRIDGE_IP/24"; then
    ip addr add "$BRIDGE_IP/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up

  local m ns host_if tmp_if
  for m in "${MACHINES[@]}"; do
    ns=dp-$m host_if=dp-$m-h tmp_if=dp-$m-c
    [[ -e /var/run/netns/$ns ]] || ip netns add "$ns"
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip link del "$host_if" 2>/dev/null || true
      ip link add "$host_if" type veth peer name "$tmp_if"
      ip link set "$tmp_if" netns "$ns"
      ip -n "$ns" link set "$tmp_if" name eth0
    fi
    ip link set "$host_if" master "$BRIDGE"
    ip link set "$host_if" up
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" -4 addr show dev eth0 | grep -q "inet $(mip "$m")/24"; then
      ip -n "$ns" addr add "$(mip "$m")/24" dev eth0
    fi
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route replace default via "$BRIDGE_IP" dev eth0
  done

  # bridged traffic between the machines passes the host's FORWARD chain (policy DROP once a
  # dockerd has run in the host namespace)
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null ||
    iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  # and nothing from the machines is ever routed off the box, even with ip_forward on
  iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null ||
    iptables -I FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
}

net_down() {
  local m
  for m in "${MACHINES[@]}"; do
    [[ -e /var/run/netns/dp-$m ]] && ip netns del "dp-$m" 2>/dev/null || true
    ip link del "dp-$m-h" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  while iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  done
  while iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
  done
}

# ---------------------------------------------------------------- TLS
tls_dir() { echo "$ROOT/tls"; }
tls_host() { echo "tcp://$(mip "$TLS_MACHINE"):$TLS_PORT"; }

# the CA, m3's server certificate and a client certificate, made once; made again (all three)
# when one is missing or expires within a day
tls_up() {
  local dir ip f fresh=1
  dir=$(tls_dir) ip=$(mip "$TLS_MACHINE")
  for f in ca/ca.pem server/cert.pem client/cert.pem; do
    openssl x509 -checkend 86400 -noout -in "$dir/$f" >/dev/null 2>&1 || fresh=0
  done
  if (( fresh )) && [[ -s $dir/server/key.pem && -s $dir/client/key.pem ]]; then return 0; fi
  say "tls: CA, server certificate of $TLS_MACHINE ($ip) and a client certificate in $dir"
  rm -rf "$dir"
  mkdir -p "$dir/ca" "$dir/server" "$dir/client"
  chmod 700 "$dir/ca" "$dir/server" "$dir/client"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca/key.pem" -out "$dir/ca/ca.pem" -days 3650 \
    -subj "/CN=dockplan test CA" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  tls_issue "$dir" server "/CN=$TLS_MACHINE" "subjectAltName=IP:$ip,DNS:$TLS_MACHINE
extendedKeyUsage=serverAuth"
  tls_issue "$dir" client "/CN=dockplan test client" "extendedKeyUsage=clientAuth"
}

tls_issue() { # tls_issue DIR NAME SUBJECT EXTENSIONS: DIR/NAME/{key,cert,ca}.pem signed by DIR/ca
  local dir=$1 name=$2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$name/key.pem" -out "$dir/$name/csr.pem" -subj "$3" 2>/dev/null
  printf '%s\n' "$4" >"$dir/$name/ext.cnf"
  openssl x509 -req -in "$dir/$name/csr.pem" -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/key.pem" \
    -set_serial "0x$(openssl rand -hex 8)" -days 3650 -extfile "$dir/$name/ext.cnf" -out "$dir/$name/cert.pem" 2>/dev/null
  cp "$dir/ca/ca.pem" "$dir/$name/ca.pem"
  rm -f "$dir/$name/csr.pem" "$dir/$name/ext.cnf"
}

# an engine of the TLS machine started without its TLS listener (by an older cluster.sh) is
# stopped (gracefully) for 'up' to start it again with the listener
tls_restart_stale() {
  local pid
  pid=$(pidfile_pid "$(mdir "$TLS_MACHINE")/docker.pid" dockerd) || return 0
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qx -- --tlsverify && return 0
  say "engine $TLS_MACHINE: restarting with its TLS listener $(tls_host)"
  stop_machine "$TLS_MACHINE" --graceful
}

# the extra dockerd arguments of a machine: a TLS listener on m3
tls_args() { # tls_args mN
  [[ $1 == "$TLS_MACHINE" ]] || return 0
  local dir
  dir=$(tls_dir)
  printf '%s\n' --host "$(tls_host)" --tlsverify --tlscacert "$dir/server/ca.pem" --tlscert "$dir/server/cert.pem" --tlskey "$dir/server/key.pem"
}

# ---------------------------------------------------------------- engines
storage_driver() {
  # overlay2 works on this kind of machine (ext4 root, overlay in the kernel); vfs is the
  # slow fallback for filesystems overlay cannot sit on. DOCKPLAN_STORAGE_DRIVER overrides.
  if [[ -n ${DOCKPLAN_STORAGE_DRIVER:-} ]]; then echo "$DOCKPLAN_STORAGE_DRIVER"; return; fi
  if grep -qw overlay /proc/filesystems; then echo overlay2; else echo vfs; fi
}

start_machine() { # start_machine mN
  local m=$1 dir pid i log extra=()
  dir=$(mdir "$m") log=$(mdir "$m")/dockerd.log
  engine_answers "$m" && return 0
  [[ -e /var/run/netns/dp-$m ]] || die "network namespace dp-$m does not exist: run 'bash scripts/cluster.sh up' first"

  if ! pid=$(pidfile_pid "$dir/docker.pid" dockerd); then
    mkdir -p "$dir/data" "$dir/exec"
    rm -f "$dir/docker.pid"
    # dockerd reuses the containerd named in this pid file if kill(pid, 0) succeeds, which it
    # does for a killed containerd that is still a zombie: then it waits for it and gives up
    if ! pidfile_pid "$dir/exec/containerd/containerd.pid" containerd >/dev/null; then
      rm -f "$dir/exec/containerd/containerd.pid"
    fi
    # own config file, so a /etc/docker/daemon.json on the box does not leak in, naming the
    # identity key of the current mode: the default /etc/docker/key.json would give all three
    # engines the same ID in 'docker info' (dockerd 20.10 takes this path only from the config
    # file). In shared mode the first engine to start creates the shared key; the machines are
    # started one after the other, so no two create it at once.
    printf '{\n  "deprecated-key-path": "%s"\n}\n' "$(key_path "$m")" >"$dir/daemon.json"
    if [[ $m == "$TLS_MACHINE" ]]; then tls_up; fi
    mapfile -t extra < <(tls_args "$m")
    printf '\n=== %s start dockerd %s ===\n' "$(date -Is)" "$m" >>"$log"
    # --dns: containers ask the host's bridge address (nothing listens: lookups fail at once)
    #   instead of the box's own resolver, so no container traffic is aimed off the box.
    # --containerd-namespace: dockerd 20.10 starts its own containerd (under --exec-root) unless
    #   /run/containerd/containerd.sock exists; distinct namespaces keep engines apart even then.
    # own UTS namespace too, so each engine reports its machine name as hostname (docker info Name)
    (
      close_inherited_fds
      exec setsid nsenter --net="/var/run/netns/dp-$m" \
        unshare --uts -- /bin/sh -c 'hostname "$0" && exec "$@"' "$m" \
        dockerd \
        --host "unix://$(msock "$m")" \
        --data-root "$dir/data" \
        --exec-root "$dir/exec" \
        --pidfile "$dir/docker.pid" \
        --config-file "$dir/daemon.json" \
        --containerd-namespace "dp-$m" \
        --containerd-plugins-namespace "dp-$m-plugins" \
        --storage-driver "$(storage_driver)" \
        --insecure-registry "$REGISTRY" \
        --dns "$BRIDGE_IP" \
        "${extra[@]}"
    ) </dev/null >>"$log" 2>&1 &
    pid=$!
  fi

  for (( i = 0; i < TIMEOUT * 5; i++ )); do
    engine_answers "$m" && break
    pid_alive "$pid" || fail_with_log "dockerd of $m exited while starting" "$log"
    sleep 0.2
  done
  engine_answers "$m" || fail_with_log "dockerd of $m did not answer within ${TIMEOUT}s" "$log"
  mdocker "$m" info --format '{{.ID}}' >/dev/null 2>&1 || fail_with_log "docker info on $m failed" "$log"
}

stop_machine() { # stop_machine mN [--graceful]
  local m=$1 mode=${2:-} dir pid i
  dir=$(mdir "$m")
  if pid=$(pidfile_pid "$dir/docker.pid" dockerd); then
    if [[ $mode == --graceful ]]; then
      # dockerd stops its containers (SIGTERM, SIGKILL after their stop timeout, 10 s by
      # default) and its containerd, then exits
      kill -TERM "$pid" 2>/dev/null || true
      wait_gone "$pid" 60 || true
    fi
    # power off: the engine dies at once ...
    if pid_alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || die "dockerd of $m (pid $pid) did not die"
    fi
  fi
  # ... and so does everything that ran on the machine
  reap_machine "$m"
  for (( i = 0; i < 100; i++ )); do engine_answers "$m" || break; sleep 0.1; done
  engine_answers "$m" && die "the socket of $m still answers after stopping its dockerd"
  return 0
}

# after the engine is gone: its containers, their shims and its containerd. Containers are
# found through the init.pid files under the machine's exec root; a container's shim is the
# parent of its init process. (dockerd's docker-proxy processes die with dockerd.)
reap_machine() {
  local m=$1 dir f pid ppid victims=()
  dir=$(mdir "$m")
  [[ -d $dir/exec ]] || return 0
  while IFS= read -r f; do
    pid=$(read_pid "$f")
    pid_alive "$pid" || continue
    victims+=("$pid")
    ppid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null || true)
    if [[ -n $ppid ]] && [[ $(cat "/proc/$ppid/comm" 2>/dev/null) == containerd-shim* ]]; then
      victims+=("$ppid")
    fi
  done < <(find "$dir/exec" -name init.pid 2>/dev/null)
  if pid=$(pidfile_pid "$dir/exec/containerd/containerd.pid" containerd); then victims+=("$pid"); fi
  (( ${#victims[@]} )) || return 0
  kill -KILL "${victims[@]}" 2>/dev/null || true
  for pid in "${victims[@]}"; do wait_gone "$pid" 10 || true; done
}

# ---------------------------------------------------------------- registry
registry_up() {
  local dir=$ROOT/registry pid i
  registry_answers && return 0
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  if pid=$(pidfile_pid "$dir/registry.pid" docker-registry); then
    :
  else
    printf '\n=== %s start registry ===\n' "$(date -Is)" >>"$dir/registry.log"
    ( close_inherited_fds; exec setsid docker-registry serve "$dir/config.yml" ) </dev/null >>"$dir/registry.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/registry.pid"
  fi
  for (( i = 0; i < TIMEOUT * 5; i++ )); do
    registry_answers && return 0
    pid_alive "$pid" || fail_with_log "the registry exited while starting" "$dir/registry.log"
    sleep 0.2
  done
  fail_with_log "the registry did not answer on http://$REGISTRY/v2/ within ${TIMEOUT}s" "$dir/registry.log"
}

registry_down() {
  local pid
  if pid=$(pidfile_pid "$ROOT/registry/registry.pid" docker-registry); then stop_pid "$pid" 10; fi
}

# ---------------------------------------------------------------- image
build_rootfs() { # build_rootfs DIR
  local r=$1 applet
  rm -rf "$r"
  mkdir -p "$r/bin" "$r/etc" "$r/root" "$r/www" "$r/tmp" "$r/var/tmp" "$r/usr" "$r/proc" "$r/sys" "$r/dev"
  cp /bin/busybox "$r/bin/busybox"
  chmod 755 "$r/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox || $applet == */* ]] && continue
    ln -s busybox "$r/bin/$applet"
  done
  ln -s bin "$r/sbin"
  ln -s ../bin "$r/usr/bin"
  ln -s ../bin "$r/usr/sbin"
  chmod 1777 "$r/tmp" "$r/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

has_image() { mdocker "$1" image inspect "$2" >/dev/null 2>&1; }

image_up() {
  local first=${MACHINES[0]} m
  if ! has_image "$first" "$IMAGE"; then
    say "building $IMAGE on $first"
    build_rootfs "$ROOT/image/rootfs"
    tar -C "$ROOT/image/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . |
      mdocker "$first" import \
        --change 'CMD ["sh"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$IMAGE" >/dev/null
    rm -rf "$ROOT/image/rootfs"
  fi
  # the same image (same ID) on every machine
  for m in "${MACHINES[@]:1}"; do
    if ! has_image "$m" "$IMAGE"; then
      say "copying $IMAGE to $m"
      mdocker "$first" save "$IMAGE" | mdocker "$m" load >/dev/null
    fi
  done
  if ! curl -sf --max-time 5 -o /dev/null \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$REGISTRY/v2/busybox/manifests/1"; then
    say "pushing $REGISTRY_IMAGE"
    mdocker "$first" tag "$IMAGE" "$REGISTRY_IMAGE"
    mdocker "$first" push "$REGISTRY_IMAGE" >/dev/null
    # leave no machine with the registry tag, so pull tests start from the same state everywhere
    mdocker "$first" rmi "$REGISTRY_IMAGE" >/dev/null
  fi
}

# ---------------------------------------------------------------- cluster files
write_cluster_files() {
  local m tmp
  mkdir -p "$CLUSTER_DIR"
  tmp=$(mktemp "$CLUSTER_DIR/.cluster.yaml.XXXXXX")
  {
    echo "domain: $DOMAIN"
    echo "machines:"
    for m in "${MACHINES[@]}"; do
      echo "  - name: $m"
      echo "    host: unix://$(msock "$m")"
    done
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$CLUSTER_DIR/cluster.yaml"
  tmp=$(mktemp "$CLUSTER_DIR/.env.XXXXXX")
  {
    echo "DOCKPLAN_CLUSTER=$CLUSTER_DIR/cluster.yaml"
    echo "DOCKPLAN_REGISTRY=$REGISTRY"
    echo "DOCKPLAN_CLUSTER_ROOT=$ROOT"
    echo "DOCKPLAN_TLS_HOST=$(tls_host)"
    echo "DOCKPLAN_TLS_DIR=$(tls_dir)"
    printf 'DOCKPLAN_MACHINE_IPS="'
    for m in "${MACHINES[@]}"; do printf '%s=%s%s' "$m" "$(mip "$m")" "$([[ $m == "${MACHINES[-1]}" ]] || echo ' ')"; done
    printf '"\n'
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$CLUSTER_DIR/env"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local start=$SECONDS m mode=${DOCKPLAN_CLUSTER_KEYS:-own}
  valid_key_mode "$mode"
  mkdir -p "$ROOT"
  touch "$ROOT/$MARKER"
  set_key_mode "$mode"
  say "network: $BRIDGE $BRIDGE_IP/24, namespaces ${MACHINES[*]/#/dp-}"
  net_up
  say "registry: $REGISTRY"
  registry_up
  rekey_running "$mode"
  tls_restart_stale
  for m in "${MACHINES[@]}"; do
    if engine_answers "$m"; then say "engine $m: already running"; continue; fi
    say "engine $m: starting ($(mip "$m"), $mode identity key)"
    start_machine "$m"
  done
  image_up
  write_cluster_files
  say "cluster up in $((SECONDS - start))s: $CLUSTER_DIR/cluster.yaml"
}

# stops (gracefully, all at once) the running engines whose identity key is not the one of mode
# $1; the caller starts them again
rekey_running() {
  local mode=$1 m pids=() names=() i failed=0
  for m in "${MACHINES[@]}"; do
    engine_answers "$m" || continue
    [[ $(running_key_path "$m") == "$(key_path "$m")" ]] && continue
    say "engine $m: restarting with the $mode identity key"
    stop_machine "$m" --graceful &
    pids+=($!) names+=("$m")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { printf 'cluster.sh: stopping %s failed\n' "${names[$i]}" >&2; failed=1; }
  done
  (( failed == 0 )) || exit 1
}

cmd_rekey() { # cmd_rekey own|shared
  local mode=$1 m id
  [[ -e $ROOT/$MARKER ]] || die "no cluster at $ROOT: run 'bash scripts/cluster.sh up' first"
  set_key_mode "$mode"
  rekey_running "$mode"
  for m in "${MACHINES[@]}"; do start_machine "$m"; done
  for m in "${MACHINES[@]}"; do
    id=$(mdocker "$m" info --format '{{.ID}}' 2>/dev/null) || die "docker info on $m failed after the restart"
    say "engine $m: engine ID $id"
  done
  say "identity keys: $mode"
}

unmount_under_root() {
  local mp
  # deepest first; fields of /proc/self/mountinfo: 5th is the mount point
  while IFS= read -r mp; do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done < <(awk -v r="$ROOT/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

cmd_down() {
  local start=$SECONDS m
  say "stopping engines"
  for m in "${MACHINES[@]}"; do stop_machine "$m"; done
  say "stopping registry"
  registry_down
  unmount_under_root
  say "removing network"
  net_down
  if [[ -d $ROOT ]]; then
    if [[ -e $ROOT/$MARKER ]] || [[ -z $(ls -A "$ROOT") ]]; then
      rm -rf --one-file-system "$ROOT"
    else
      say "not removing $ROOT: it has no $MARKER marker"
    fi
  fi
  rm -f "$CLUSTER_DIR/cluster.yaml" "$CLUSTER_DIR/env"
  say "cluster down in $((SECONDS - start))s"
}

cmd_status() {
  local m ok=0 pid
  if ip link show "$BRIDGE" >/dev/null 2>&1; then echo "bridge    $BRIDGE up"; else echo "bridge    $BRIDGE missing"; ok=1; fi
  if registry_answers; then echo "registry  $REGISTRY up"; else echo "registry  $REGISTRY down"; ok=1; fi
  for m in "${MACHINES[@]}"; do
    pid=$(pidfile_pid "$(mdir "$m")/docker.pid" dockerd || true)
    if engine_answers "$m"; then
      echo "machine   $m $(mip "$m") up (dockerd pid $pid) unix://$(msock "$m")"
    else
      echo "machine   $m $(mip "$m") down"; ok=1
    fi
  done
  if [[ $(key_mode) == shared ]]; then echo "keys      shared $(shared_key)"; else echo "keys      own (one per machine)"; fi
  if [[ -f $CLUSTER_DIR/cluster.yaml ]]; then echo "file      $CLUSTER_DIR/cluster.yaml"; else echo "file      $CLUSTER_DIR/cluster.yaml missing"; ok=1; fi
  return $ok
}

usage() {
  cat >&2 <<EOF
usage: bash scripts/cluster.sh up | down | status | stop-machine mN [--graceful] | start-machine mN
                              | rekey shared|own
EOF
  exit 2
}

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || usage
  case "$cmd" in
    up|down|status|stop-machine|start-machine|rekey) ;;
    -h|--help|help) usage ;;
    *) printf 'cluster.sh: unknown command %s\n' "$cmd" >&2; usage ;;
  esac
  need_root "$cmd"
  check_root_dir
  case "$cmd" in
    up) check_tools; lock; cmd_up ;;
    down) lock; cmd_down ;;
    status) cmd_status ;;
    stop-machine)
      valid_machine "${2:-}"
      [[ -z ${3:-} || ${3:-} == --graceful ]] || usage
      lock; stop_machine "$2" "${3:-}"; say "$2 stopped" ;;
    start-machine)
      valid_machine "${2:-}"
      check_tools; lock; start_machine "$2"; say "$2 started" ;;
    rekey)
      [[ -n ${2:-} && -z ${3:-} ]] || usage
      valid_key_mode "$2"
      check_tools; lock; cmd_rekey "$2" ;;
  esac
}

main "$@"
