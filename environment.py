"""behave hooks: engine check, one harness per scenario, cleanup of this run only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from behave.model import Scenario
from behave.runner import Context

from agents_runner.engine import Engine, EngineError
from agents_runner.testing.harness import DEFAULT_IMAGE, RUN_LABEL, ScenarioHarness

PROVISIONED_ENV = Path(__file__).parent / ".provisioned.env"


def _test_image() -> str:
    """AGENTS_RUNNER_TEST_IMAGE, else what scripts/provision-engine.sh recorded, else
    busybox:1.36 (a person's own engine with Docker Hub)."""
    if os.environ.get("AGENTS_RUNNER_TEST_IMAGE"):
        return os.environ["AGENTS_RUNNER_TEST_IMAGE"]
    if PROVISIONED_ENV.exists():
        for line in PROVISIONED_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "AGENTS_RUNNER_TEST_IMAGE" and value.strip():
                return value.strip()
    return DEFAULT_IMAGE


def before_all(context: Context) -> None:
    context.run_id = secrets.token_hex(4)
    context.image = _test_image()
    context.engine = None
    context.engine_problem = None
    required = os.environ.get("AGENTS_RUNNER_REQUIRE_DOCKER") == "1"
    try:
        engine = Engine.from_env()
        engine.ping()
        if not engine.image_present(context.image):
            engine.pull(context.image)
        context.engine = engine
    except EngineError as exc:
        context.engine_problem = f"no usable Docker engine: {exc}"
        if required:
            raise RuntimeError(
                f"{context.engine_problem} (AGENTS_RUNNER_REQUIRE_DOCKER=1 makes this a failure;"
                " run scripts/provision-engine.sh to start one)"
            ) from exc
        print(f"SKIPPING every scenario: {context.engine_problem}")


def before_scenario(context: Context, scenario: Scenario) -> None:
    if context.engine is None:
        scenario.skip(reason=context.engine_problem)
        return
    context.harness = ScenarioHarness(
        context.engine, context.run_id, secrets.token_hex(4), context.image
    )


def after_scenario(context: Context, scenario: Scenario) -> None:
    harness: ScenarioHarness | None = getattr(context, "harness", None)
    if harness is None:
        return
    left = harness.cleanup()
    if left:
        raise AssertionError(f"the scenario left container(s) behind: {', '.join(left)}")


def after_all(context: Context) -> None:
    if context.engine is None:
        return
    left = context.engine.containers({RUN_LABEL: context.run_id})
    for container in left:
        context.engine.remove(container["Id"])
    context.engine.close()
    if left:
        names = ", ".join(c["Names"][0].lstrip("/") for c in left)
        raise AssertionError(f"run {context.run_id} left container(s) behind: {names}")
