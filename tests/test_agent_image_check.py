"""An agent's own image, which only `images build` makes, missing from the engine: refused
before anything is stored (runner/checks.py)."""

from agents_runner.agents import PROFILES
from agents_runner.runner.checks import unbuilt_agent_image
from agents_runner.spec import TaskSpec

CODEX = PROFILES["codex"]


def codex_task(image: str) -> TaskSpec:
    return TaskSpec(image=image, agent="codex", prompt="hi", secrets={"CODEX_API_KEY": "k"})


def test_the_agents_own_image_missing_is_refused_naming_the_option_and_the_build() -> None:
    # The name as a person types it (`--image agents-runner/codex:…`): equal to the
    # profile's, not the same string object.
    typed = "".join(str(CODEX.default_image))
    assert unbuilt_agent_image(codex_task(typed), lambda image: False) == (
        f"image: {CODEX.default_image} is not on this engine; build it with "
        "'agents-runner images build codex'"
    )


def test_the_agents_own_image_on_the_engine_passes() -> None:
    asked = []
    image = str(CODEX.default_image)
    assert unbuilt_agent_image(codex_task(image), lambda i: asked.append(i) or True) is None
    assert asked == [image]


def test_another_image_for_the_agent_is_left_to_the_pull() -> None:
    assert unbuilt_agent_image(codex_task("registry.example/codex:1"), lambda i: False) is None


def test_a_task_with_no_agent_profile_is_left_to_the_pull() -> None:
    spec = TaskSpec(image=str(CODEX.default_image), agent="echo", prompt="hi")
    assert unbuilt_agent_image(spec, lambda i: False) is None
