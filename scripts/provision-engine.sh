#!/usr/bin/env bash
# Makes a Docker engine, a loopback registry and the test image available.
#
# On a machine where an engine already answers (a person's own Docker), it
# leaves that engine alone and the suite uses busybox:1.36 from its registry; it
# still installs what the suite itself needs (curl, gcc, chromium and its driver).
# On a machine with only the Docker client (CI here), it installs Debian's
# docker.io, docker-registry and busybox-static, starts dockerd without any
# container network, starts a registry on 127.0.0.1:5000, builds the test
# image from busybox-static with `docker import` and pushes it there.
# The image reference is written to .provisioned.env at the repository root,
# with the registry's address, which the acceptance suite reads when
# AGENTS_RUNNER_TEST_IMAGE and AGENTS_RUNNER_TEST_REGISTRY are unset.
#
# Idempotent: a second run checks each piece and changes nothing.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file="$repo_root/.provisioned.env"
work_dir=/var/lib/agents-runner-provision
marker="$work_dir/engine-started-by-us"
dockerd_log=/var/log/agents-runner-dockerd.log
registry_log=/var/log/agents-runner-registry.log
registry_addr=127.0.0.1:5000
test_image=localhost:5000/agents-runner/busybox:1.36

log() { printf 'provision: %s\n' "$*" >&2; }

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

is_live_dockerd() {  # is_live_dockerd PID: that pid is dockerd and not a zombie
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ] || return 1
  stat=${stat##*) }  # the fields after the command name; the first is the state
  [ "${stat%% *}" != Z ]
}

engine_ready() {  # engine_ready PID: the engine answers; fail at once if dockerd died
  if ! kill -0 "$1" 2>/dev/null; then
    log "dockerd exited"
    return 2
  fi
  engine_answers
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  local status
  while true; do
    "$@" && return 0
    status=$?
    if ((status == 2)); then
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "gave up waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

# suite_packages: what the suite itself needs, whichever engine it meets.
suite_packages() {
  [ -x /usr/bin/curl ] || missing+=(curl)
  # The containment scenarios compile a static setuid probe.
  command -v gcc >/dev/null 2>&1 && [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(gcc libc6-dev)
  # The page's scenarios (features/ui.feature) drive a headless chromium.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
}

install_missing() {
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The machine already has a newer Docker client in /usr/local/bin; keep it first on PATH.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

if engine_answers && [ ! -e "$marker" ]; then
  log "a Docker engine already answers; leaving it alone (the suite uses busybox:1.36)"
  rm -f "$env_file"
  missing=()
  suite_packages
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
    log "the suite also needs ${missing[*]} (the page's and the setuid scenarios fail without them); run this as root to install them"
  else
    install_missing
  fi
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "no Docker engine answers and installing one needs root; run this as root or start Docker yourself"
  exit 1
fi

install_packages() {
  missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sh || missing+=(busybox-static)
  suite_packages
  install_missing
}

start_engine() {
  engine_answers && return 0
  # A daemon killed earlier leaves its pid file; its pid may since belong to another
  # process, so check that the process really is dockerd.
  if [ -f /var/run/docker.pid ]; then
    local pid
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [ -z "$pid" ] || ! is_live_dockerd "$pid"; then
      log "removing stale /var/run/docker.pid (pid ${pid:-?} is not a running dockerd)"
      rm -f /var/run/docker.pid
    fi
  fi
  log "starting dockerd (no container network), log in $dockerd_log"
  nohup dockerd --bridge=none --iptables=false >>"$dockerd_log" 2>&1 </dev/null &
  dockerd_pid=$!
  mkdir -p "$work_dir" && touch "$marker"
  # At start, dockerd first removes the sandbox record of every container it ran on its
  # default network since its last start, about ten a second: give it time, say why.
  log "waiting for dockerd (it first clears old container sandboxes, about ten a second)"
  wait_for 900 "dockerd to answer" engine_ready "$dockerd_pid" || { tail -20 "$dockerd_log" >&2; exit 1; }
}

registry_answers() { curl -fs -o /dev/null "http://$registry_addr/v2/"; }

start_registry() {
  registry_answers && return 0
  mkdir -p "$work_dir/registry-data"
  cat >"$work_dir/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work_dir/registry-data
  delete:
    enabled: true
http:
  addr: $registry_addr
YML
  log "starting docker-registry on $registry_addr, log in $registry_log"
  nohup docker-registry serve "$work_dir/registry.yml" >>"$registry_log" 2>&1 </dev/null &
  wait_for 30 "the registry to answer" registry_answers || { tail -20 "$registry_log" >&2; exit 1; }
}

image_in_registry() {
  curl -fs -o /dev/null \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$registry_addr/v2/agents-runner/busybox/manifests/1.36"
}

push_test_image() {
  image_in_registry && return 0
  log "building $test_image from busybox-static and pushing it"
  local rootfs
  rootfs=$(mktemp -d)
  # As bare as a POSIX shell allows, so the suite counts on nothing more: no
  # /etc/passwd or /etc/group, and a /tmp that is 0755 and root's, as some minimal
  # images ship (features/any_image.feature).
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/workspace" "$rootfs/etc" "$rootfs/root"
  chmod 0755 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["sh"]' - "$test_image" >/dev/null
  rm -rf "$rootfs"
  docker push -q "$test_image" >/dev/null
}

install_packages
start_engine
start_registry
push_test_image
printf 'AGENTS_RUNNER_TEST_IMAGE=%s\nAGENTS_RUNNER_TEST_REGISTRY=localhost:5000\n' "$test_image" >"$env_file"
log "ready: engine $(docker version --format '{{.Server.Version}}'), test image $test_image"
