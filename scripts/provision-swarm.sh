#!/usr/bin/env bash
# A three-node Docker Swarm on loopback, for the suite's Swarm scenarios
# (features/swarm.feature): `provision-swarm.sh` stands it up, `provision-swarm.sh down`
# leaves nothing of it.
#
# Each node is its own dockerd beside the machine's engine, with its own data and exec
# roots, pid file and socket (unix:///run/agents-runner-swarm-N.sock), no container
# network (--bridge=none, no iptables), started in its own UTS namespace so that it has
# a hostname of its own (agents-runner-swarm-N). All three are managers (a leader may
# fail and the cluster lives on), listening on 127.0.0.N:2377: no address outside
# loopback. Before it joins, each node gets its docker_gwbridge under a bridge name of
# its own (else all three want the same host bridge); the ingress network is removed
# (the nodes share one network namespace, so their VXLAN ids would collide). Each node
# is labelled with its engine's address (agents-runner.engine), which the runner uses to
# kill a task at once; the nodes pull from the loopback registry.
#
# Idempotent: a second run checks the cluster and changes nothing. The manager's address
# is written to .provisioned.env as AGENTS_RUNNER_TEST_SWARM.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file="$repo_root/.provisioned.env"
work_dir=/var/lib/agents-runner-swarm
nodes=(1 2 3)

log() { printf 'provision-swarm: %s\n' "$*" >&2; }
socket() { printf '/run/agents-runner-swarm-%s.sock' "$1"; }
pidfile() { printf '/run/agents-runner-swarm-%s.pid' "$1"; }
node_docker() {  # node_docker N ARGS...: the docker CLI against node N
  local n=$1
  shift
  DOCKER_HOST="unix://$(socket "$n")" timeout 30 docker "$@"
}
answers() { node_docker "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

our_dockerd() {  # our_dockerd N: the pid of node N's dockerd, if it runs
  local pid
  # by its pidfile, or by its command line (a second dockerd started over it removed the file)
  pid=$(cat "$(pidfile "$1")" 2>/dev/null) || pid=$(pgrep -o -f -- "--pidfile $(pidfile "$1")") ||
    return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--pidfile $(pidfile "$1")" || return 1
  printf '%s\n' "$pid"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "gave up waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

down() {
  local n pid
  for n in "${nodes[@]}"; do
    answers "$n" && node_docker "$n" swarm leave --force >/dev/null 2>&1 || true
  done
  for n in "${nodes[@]}"; do
    if answers "$n"; then
      node_docker "$n" ps -aq | xargs -r env DOCKER_HOST="unix://$(socket "$n")" docker rm -f >/dev/null 2>&1 || true
    fi
    if pid=$(our_dockerd "$n"); then
      kill "$pid"
      wait_for 30 "node $n's dockerd to end" sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" || true
    fi
    ip link delete "arswarm$n" 2>/dev/null || true
    rm -f "$(socket "$n")" "$(pidfile "$n")"
  done
  # A killed dockerd leaves its mounts (the exec root's netns files, overlay layers).
  grep -o " $work_dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work_dir"
  if [ -f "$env_file" ]; then
    sed -i '/^AGENTS_RUNNER_TEST_SWARM=/d' "$env_file"
  fi
  log "down: no node, bridge, mount or socket left"
}

start_node() {  # start_node N
  local n=$1 pid
  answers "$n" && return 0
  # A dockerd of ours that does not answer yet may still be starting (after a SIGKILL it
  # restores every stale sandbox first, slowly on a loaded machine): wait for it rather
  # than start a second one over its socket; one that never answers is killed.
  if pid=$(our_dockerd "$n"); then
    wait_for 120 "node $n's running dockerd to answer" answers "$n" && return 0
    kill -9 "$pid" 2>/dev/null || true
    pkill -9 -f "containerd --config $work_dir/node$n/" 2>/dev/null || true
    wait_for 30 "node $n's old dockerd and containerd to end" \
      sh -c "! kill -0 $pid 2>/dev/null && ! pgrep -f 'containerd --config $work_dir/node$n/' >/dev/null"
  fi
  rm -f "$(socket "$n")" "$(pidfile "$n")"
  mkdir -p "$work_dir/node$n/data" "$work_dir/node$n/exec"
  log "starting node $n (unix://$(socket "$n")), log in $work_dir/node$n.log"
  nohup unshare --uts sh -c "hostname agents-runner-swarm-$n && exec dockerd \
    --data-root $work_dir/node$n/data --exec-root $work_dir/node$n/exec \
    --pidfile $(pidfile "$n") -H unix://$(socket "$n") \
    --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
    --label agents-runner.node=$n" >>"$work_dir/node$n.log" 2>&1 </dev/null &
  wait_for 120 "node $n to answer" answers "$n" || { tail -20 "$work_dir/node$n.log" >&2; exit 1; }
  if ! node_docker "$n" network inspect docker_gwbridge >/dev/null 2>&1; then
    node_docker "$n" network create --driver bridge --subnet "172.31.$((200 + n)).0/24" \
      -o com.docker.network.bridge.name="arswarm$n" \
      -o com.docker.network.bridge.enable_icc=false \
      -o com.docker.network.bridge.enable_ip_masquerade=false docker_gwbridge >/dev/null
  fi
}

swarm_state() { node_docker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

not_pending() { [ "$(swarm_state "$1")" != pending ]; }

form_cluster() {
  # Nodes that kept the Swarm of an earlier start (their dockerds were stopped or the
  # machine restarted) rejoin it by themselves, "pending" until the managers have a
  # quorum again: wait for that rather than initialise a second Swarm over it. One that
  # never settles (its Swarm is gone for good) leaves it and starts over.
  local n
  for n in "${nodes[@]}"; do
    if ! wait_for 90 "node $n's earlier Swarm to settle" not_pending "$n"; then
      node_docker "$n" swarm leave --force >/dev/null 2>&1 || true
    fi
  done
  if [ "$(swarm_state 1)" != active ]; then
    log "initialising the swarm on node 1 (127.0.0.1:2377)"
    node_docker 1 swarm init --listen-addr 127.0.0.1:2377 --advertise-addr 127.0.0.1:2377 >/dev/null
    node_docker 1 network rm ingress >/dev/null 2>&1 <<<y || true
  fi
  local token
  token=$(node_docker 1 swarm join-token -q manager)
  for n in 2 3; do
    if [ "$(swarm_state "$n")" != active ]; then
      log "node $n joins as a manager (127.0.0.$n:2377)"
      node_docker "$n" swarm join --token "$token" --listen-addr "127.0.0.$n:2377" \
        --advertise-addr "127.0.0.$n:2377" 127.0.0.1:2377 >/dev/null
    fi
  done
  for n in "${nodes[@]}"; do
    local id
    id=$(node_docker "$n" info --format '{{.Swarm.NodeID}}')
    node_docker 1 node update --label-add "agents-runner.engine=unix://$(socket "$n")" "$id" >/dev/null
  done
  # Docker's default heartbeat, set again over a cluster that had 1 s: with 1 s, a new
  # leader marks a node down so soon after the election that a node restarted just
  # then registered in the same moment, and the managers listed it Down for good.
  node_docker 1 swarm update --dispatcher-heartbeat 5s >/dev/null
  if ! wait_for 60 "three ready nodes" three_ready; then
    restart_nodes_listed_down
    wait_for 60 "three ready nodes" three_ready
  fi
}

three_ready() { [ "$(node_docker 1 node ls --format '{{.Status}}' | grep -c Ready)" = 3 ]; }

restart_nodes_listed_down() {
  # swarmkit can keep a node listed Down whose engine runs and whose agent registered as
  # a new leader marked it unknown: its engine is restarted once, and registers anew.
  local n pid
  for n in "${nodes[@]}"; do
    if node_docker 1 node ls --format '{{.Hostname}} {{.Status}}' |
      grep -qx "agents-runner-swarm-$n Down" && pid=$(our_dockerd "$n"); then
      log "node $n runs but is listed Down: restarting its engine"
      kill "$pid"
      wait_for 60 "node $n's dockerd to end" sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" || true
      start_node "$n"
    fi
  done
}

if [ "${1:-up}" = down ]; then
  [ "$(id -u)" -eq 0 ] || { log "taking the cluster down needs root"; exit 1; }
  down
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if answers 1 && [ "$(swarm_state 1)" = active ]; then
    exit 0
  fi
  log "no test swarm answers and starting one needs root"
  exit 1
fi
command -v unshare >/dev/null 2>&1 || { log "unshare (util-linux) is missing"; exit 1; }
for n in "${nodes[@]}"; do
  start_node "$n"
done
form_cluster
touch "$env_file"
sed -i '/^AGENTS_RUNNER_TEST_SWARM=/d' "$env_file"
printf 'AGENTS_RUNNER_TEST_SWARM=unix://%s\n' "$(socket 1)" >>"$env_file"
log "ready: three managers, $(node_docker 1 node ls --format '{{.Hostname}}' | tr '\n' ' ')"
