"""behave hooks: engine check, one harness per scenario, cleanup of this run only."""

from __future__ import annotations

import functools
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path

from behave.model import Scenario
from behave.runner import Context

from agents_runner.agents import PROFILES
from agents_runner.testing import allure_evidence, junit, reaper, scenario_context
from agents_runner.testing.cluster_docker import ClusterDocker
from agents_runner.testing.engine_control import restart_refusal
from agents_runner.testing.engine_gaps import engine_gap
from agents_runner.testing.evidence import write as write_evidence
from agents_runner.testing.evidence_collection import (
    collect_evidence,
    describe_run,
    settle_late_errors,
)
from agents_runner.testing.harness import DEFAULT_IMAGE, RUN_LABEL, ScenarioHarness
from agents_runner.testing.oracle import raw_containers
from agents_runner.testing.parallel import parts as evidence_parts
from agents_runner.testing.parallel.worker_env import PARTS_VARIABLE
from agents_runner.testing.registry import publish_unique_image, registry_answers
from agents_runner.testing.suite_docker import SuiteDocker, SuiteDockerError
from agents_runner.testing.swarm_cluster import (
    SWARM_VARIABLE,
    SwarmView,
    reap_run,
    swarm_problem,
)
from agents_runner.testing.swarm_turns import SwarmTurn, wants_swarm_alone

PROVISIONED_ENV = Path(__file__).parent / ".provisioned.env"
# "swarm": the scenarios tagged @on-swarm, run with the Swarm backend on the test Swarm.
TEST_BACKEND_VARIABLE = "AGENTS_RUNNER_TEST_BACKEND"
EVIDENCE_REPORT = Path(__file__).parent / "reports" / "evidence.html"


def evidence_report(engine: SuiteDocker | None) -> Path:
    """reports/evidence.html, or evidence-podman.html for a run on Podman, or
    evidence-swarm.html for one with the Swarm backend (CI runs all three)."""
    kind = engine.kind if engine is not None else "docker"
    if os.environ.get(TEST_BACKEND_VARIABLE) == "swarm":
        kind = "swarm"
    return (
        EVIDENCE_REPORT.with_name(f"evidence-{kind}.html") if kind != "docker" else EVIDENCE_REPORT
    )


def _setting(name: str, default: str | None) -> str | None:
    """The environment variable, else what scripts/provision-engine.sh recorded in
    .provisioned.env, else `default`."""
    if os.environ.get(name):
        return os.environ[name]
    if PROVISIONED_ENV.exists():
        for line in PROVISIONED_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == name and value.strip():
                return value.strip()
    return default


def before_all(context: Context) -> None:
    # Started as a background job of a non-interactive shell (CI's `&`), the suite
    # inherits SIGINT ignored, and so would every command it starts, where a person's
    # terminal runs them with SIGINT at its default: a Ctrl-C scenario would hang.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    junit.clear_stale(Path(context.config.junit_directory))
    allure_evidence.enable_from_environment(context)
    context.run_id = secrets.token_hex(4)
    context.evidence = []
    # Each record with its scenario: a clean-up that fails runs after the record is made.
    context.evidence_scenarios = []
    context.image = _setting("AGENTS_RUNNER_TEST_IMAGE", DEFAULT_IMAGE)
    context.registry = _setting("AGENTS_RUNNER_TEST_REGISTRY", None)
    context.registry_image = None
    context.engine = None
    context.engine_problem = None
    required = os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1"
    context.cluster = None
    try:
        if os.environ.get(TEST_BACKEND_VARIABLE) == "swarm":
            context.cluster = _on_the_swarm()
        engine = SuiteDocker.from_env()
        engine.ping()
        if not engine.image_present(context.image):
            engine.pull(context.image)
        context.engine = engine
        for line in reaper.reap(engine, _swarm_reaper(engine)):
            print(f"reaped {line}")
        reaper.register(context.run_id)
        if context.registry and registry_answers(context.registry):
            context.registry_image = reaper.unique_image(context.registry, context.run_id)
            publish_unique_image(
                engine, context.image, context.registry_image, {RUN_LABEL: context.run_id}
            )
    except SuiteDockerError as exc:
        context.engine_problem = f"no usable Docker engine: {exc}"
        if required:
            raise RuntimeError(
                f"{context.engine_problem} (AGENTS_RUNNER_REQUIRE_DOCKER=1 makes this a failure;"
                " run scripts/provision-engine.sh to start one)"
            ) from exc
        print(f"SKIPPING every scenario: {context.engine_problem}")


def _on_the_swarm() -> ClusterDocker:
    """Runners and commands of this run use the Swarm backend, with the test Swarm's
    first manager as DOCKER_HOST (the suite's own images are made there); the nodes'
    own engines are the scenarios' account of what ran."""
    manager = _setting(SWARM_VARIABLE, None)
    if problem := swarm_problem(manager):
        raise SuiteDockerError(problem)
    assert manager is not None
    os.environ["AGENTS_RUNNER_BACKEND"] = "swarm"
    os.environ["DOCKER_HOST"] = manager
    return ClusterDocker(manager)


def _end_the_runs_own(engine: SuiteDocker, run_id: str) -> list[str]:
    """End the run's processes still working in its folders, remove what it made on the
    test Swarm and every copy of its registry image; a line for each."""
    removed = reaper.end_processes(run_id)
    if swarm_reaper := _swarm_reaper(engine):
        removed += swarm_reaper(run_id)
    return removed + reaper.remove_pulled_images(engine, run_id)


def _swarm_reaper(engine: SuiteDocker) -> Callable[[str], list[str]] | None:
    """What removes a dead run's services and containers on the test Swarm, where the
    run could have made them (the Docker suite's) and the Swarm answers."""
    manager = _setting(SWARM_VARIABLE, None)
    if engine.kind != "docker" or swarm_problem(manager) is not None:
        return None
    return functools.partial(reap_run, manager, RUN_LABEL)


def missing_agent_images(context: Context) -> list[str]:
    """The agents' own images that the engine lacks (looked up once a run)."""
    if not hasattr(context, "agent_images_missing"):
        images = [p.default_image for p in PROFILES.values() if p.default_image]
        context.agent_images_missing = [i for i in images if not context.engine.image_present(i)]
    return context.agent_images_missing


def before_scenario(context: Context, scenario: Scenario) -> None:
    context.scenario_started = time.time()
    scenario_context.enter(str(scenario.location))
    if context.engine is None:
        scenario.skip(reason=context.engine_problem)
        return
    if "registry" in scenario.effective_tags and context.registry_image is None:
        problem = (
            "no test registry answers (set AGENTS_RUNNER_TEST_REGISTRY or run scripts/setup.sh)"
        )
        if os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1":
            raise RuntimeError(problem)
        scenario.skip(reason=problem)
        return
    gap = engine_gap(context.engine.kind, scenario.effective_tags)
    if gap:
        # Excluded by tag in the README's command for this engine; run anyway, say why.
        if os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1":
            raise RuntimeError(gap)
        scenario.skip(reason=gap)
        return
    refusal = restart_refusal(context.engine.kind)
    if "engine-restart" in scenario.effective_tags and refusal:
        scenario.skip(reason=refusal)
        return
    if "real-agent" in scenario.effective_tags and (missing := missing_agent_images(context)):
        problem = (
            f"the agents' images are not built: {', '.join(missing)} "
            "(run scripts/provision-agent-images.sh, or 'agents-runner images build')"
        )
        if os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1":
            raise RuntimeError(problem)
        scenario.skip(reason=problem)
        return
    if "swarm" in scenario.effective_tags:
        context.swarm_url = _setting(SWARM_VARIABLE, None)
        if problem := swarm_problem(context.swarm_url):
            if os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1":
                raise RuntimeError(problem)
            scenario.skip(reason=problem)
            return
    if "root" in scenario.effective_tags and os.geteuid() != 0:
        scenario.skip(reason="this scenario mounts a small tmpfs, which needs root")
        return
    if context.cluster is not None and "on-swarm" not in scenario.effective_tags:
        problem = "not a scenario of the Swarm backend's run (it is not tagged @on-swarm)"
        if os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1":
            raise RuntimeError(problem)
        scenario.skip(reason=problem)
        return
    if context.cluster is not None or "swarm" in scenario.effective_tags:
        context.swarm_turn = SwarmTurn(alone=wants_swarm_alone(scenario.effective_tags))
        context.swarm_turn.take()
    context.harness = ScenarioHarness(
        context.cluster or context.engine,
        context.run_id,
        secrets.token_hex(4),
        context.image,
        registry=context.registry,
        registry_image=context.registry_image,
    )
    if context.cluster is not None:  # what a task left on the cluster: services, secrets
        view = SwarmView(os.environ["DOCKER_HOST"], context.harness.labels, since=time.time())
        context.harness.add_cleanup(view.cleanup)


def after_scenario(context: Context, scenario: Scenario) -> None:
    try:
        _after_scenario(context, scenario)
    finally:
        if turn := getattr(context, "swarm_turn", None):
            turn.give_back()  # once what the scenario left on the Swarm is removed
        scenario_context.leave()


def _after_scenario(context: Context, scenario: Scenario) -> None:
    harness: ScenarioHarness | None = getattr(context, "harness", None)
    started = getattr(context, "scenario_started", 0.0)
    if harness is None:
        record = collect_evidence(scenario, None, started=started)
        context.evidence.append(record)
        context.evidence_scenarios.append((record, scenario))
        return
    try:
        note = getattr(context, "evidence_note", None)
        record = collect_evidence(scenario, harness, note=note, started=started)
    except Exception as exc:  # the report must never hide a scenario
        record = collect_evidence(scenario, None, note=f"evidence lost: {exc!r}", started=started)
    context.evidence.append(record)
    context.evidence_scenarios.append((record, scenario))
    allure_evidence.attach(record)
    left = harness.cleanup()
    if left:
        problem = f"the scenario left container(s) behind: {', '.join(left)}"
        record.status, record.note = "hook_error", problem
        raise AssertionError(problem)


def after_all(context: Context) -> None:
    settle_late_errors(context.evidence_scenarios)
    run = describe_run(context)
    if parts_folder := os.environ.get(PARTS_VARIABLE):  # a worker of a parallel run
        evidence_parts.dump(
            context.evidence, run, evidence_report(context.engine), Path(parts_folder)
        )
    else:
        write_evidence(context.evidence, evidence_report(context.engine), run=run)
    junit.polish(Path(context.config.junit_directory), context._runner.features, context.evidence)
    if context.engine is None:
        return
    # What an interrupted scenario (Ctrl-C, or a mutation run's --stop) could not clean up.
    for line in _end_the_runs_own(context.engine, context.run_id):
        print(f"removed {line} at the end of run {context.run_id}")
    left = raw_containers(context.engine, {RUN_LABEL: context.run_id})
    for container in left:
        context.engine.remove(container["Id"])
    networks = context.engine.networks({RUN_LABEL: context.run_id})
    for network in networks:
        context.engine.remove_network(network)
    context.engine.close()
    folders = reaper.remove_folders(context.run_id)
    reaper.unregister(context.run_id)
    if left:
        names = ", ".join(c["Names"][0].lstrip("/") for c in left)
        raise AssertionError(f"run {context.run_id} left container(s) behind: {names}")
    if networks:
        raise AssertionError(f"run {context.run_id} left network(s) behind: {', '.join(networks)}")
    if folders:
        names = ", ".join(str(folder) for folder in folders)
        raise AssertionError(f"run {context.run_id} left folder(s) behind: {names}")
