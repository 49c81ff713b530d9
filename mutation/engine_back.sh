# Sourced by the mutants' test commands. A mutant killed mid-way through an engine
# restart can leave the engine down; bring it back so the next mutant is not "killed"
# by a missing engine. If it cannot come back, the session is void: scripts/mutation.sh
# refuses to report a score.
if ! docker info >/dev/null 2>&1; then
  if ! bash scripts/provision-engine.sh >&2; then
    date -u +%FT%TZ >>mutation/engine-lost
    exit 1
  fi
fi
export AGENTS_RUNNER_REQUIRE_DOCKER=1
