#!/usr/bin/env bash
# Makes Podman's Docker-compatible service available beside Docker, so that the suite
# can run on both engines: DOCKER_HOST=unix:///run/agents-runner-podman.sock.
#
# As root, on a machine without it, it installs Debian's podman and catatonit (the
# container init Podman looks for), then configures it for this machine:
#   - containers.conf.d: cgroupfs, file-based events, catatonit, and default ulimits no
#     higher than the service's own hard limits (a sandbox without CAP_SYS_RESOURCE
#     cannot raise them, and Podman's defaults would, so runc refuses to start anything);
#   - registries.conf.d: registries on localhost (the test registry, the suite's gated
#     proxies on other ports) speak plain HTTP.
# Both are read only when the service starts. The service listens on a socket of its
# own and logs to /var/log/agents-runner-podman.log. It leaves a marker, so that the
# suite may restart this service (and no other).
#
# Idempotent: a second run checks each piece and changes nothing.
set -euo pipefail

socket=/run/agents-runner-podman.sock
work_dir=/var/lib/agents-runner-provision
marker="$work_dir/podman-started-by-us"
service_log=/var/log/agents-runner-podman.log
service_dir="$work_dir/podman-service"
engine_conf=/etc/containers/containers.conf.d/50-agents-runner.conf
registries_conf=/etc/containers/registries.conf.d/50-agents-runner.conf

log() { printf 'provision-podman: %s\n' "$*" >&2; }

service_answers() {
  DOCKER_HOST="unix://$socket" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

service_pid() { pgrep -f "podman system service --time=0 unix://$socket" | head -1; }

if [ "$(id -u)" -ne 0 ]; then
  if service_answers; then
    exit 0
  fi
  log "no Podman service answers on $socket and starting one needs root"
  exit 1
fi

if ! command -v podman >/dev/null 2>&1 || ! command -v catatonit >/dev/null 2>&1; then
  log "installing podman and catatonit"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends podman catatonit >/dev/null
fi

mkdir -p "$(dirname "$registries_conf")" "$(dirname "$engine_conf")" "$work_dir"
registries=$(printf '[[registry]]\nlocation = "localhost"\ninsecure = true\n')

engine_settings() {  # engine_settings NOFILE NPROC
  printf '[containers]\ninit_path = "%s"\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
    "$(command -v catatonit)" "$1" "$1" "$2" "$2"
  printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
}

hard_limit() {  # hard_limit PID "Max processes": that limit of the process
  awk -v name="$2" 'index($0, name) == 1 { print $(NF - 1) }' "/proc/$1/limits"
}

start_service() {
  log "starting podman system service on $socket, log in $service_log"
  # From a folder of its own: conmon leaves files (an "oom" marker) in its working
  # directory, which would otherwise be wherever this script was run from.
  mkdir -p "$service_dir"
  (cd "$service_dir" && exec nohup podman system service --time=0 "unix://$socket" \
    >>"$service_log" 2>&1 </dev/null) &
  touch "$marker"
  local deadline=$((SECONDS + 60))
  until service_answers; do
    if ((SECONDS >= deadline)); then
      log "gave up waiting for the Podman service"
      tail -20 "$service_log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

stop_service() {
  local pid
  pid=$(service_pid) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

changed=0
if [ "$(cat "$registries_conf" 2>/dev/null)" != "$registries" ]; then
  printf '%s\n' "$registries" >"$registries_conf"
  changed=1
fi
# The limits Podman's own process has are the ones it can hand on: measure them on a
# running service (the first start, if need be, runs without our settings).
if ! service_answers; then
  start_service
fi
pid=$(service_pid)
settings=$(engine_settings "$(hard_limit "$pid" "Max open files")" "$(hard_limit "$pid" "Max processes")")
if [ "$(cat "$engine_conf" 2>/dev/null)" != "$settings" ]; then
  printf '%s\n' "$settings" >"$engine_conf"
  changed=1
fi
if ((changed)); then
  log "configuration written; restarting the service to read it"
  stop_service
  start_service
fi
log "ready: Podman $(DOCKER_HOST="unix://$socket" docker version --format '{{.Server.Version}}') on $socket"
