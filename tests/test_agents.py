import pytest

from agents_runner.agents import PROFILES, get_profile, missing_secrets
from agents_runner.spec import TaskSpec

TRICKY = 'it\'s "q" $(rm -rf /) `id`;\nline ✓ -x'


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("echo", ["echo", TRICKY]),
        (
            "codex",
            [
                "codex",
                "exec",
                "--sandbox",
                "workspace-write",
                "--skip-git-repo-check",
                "--",
                TRICKY,
            ],
        ),
        ("claude", ["claude", "--print", "--output-format", "text", "--", TRICKY]),
        ("gemini", ["gemini", "--yolo", "--skip-trust", f"--prompt={TRICKY}"]),
        ("copilot", ["copilot", "--allow-all-tools", "--no-color", "-p", TRICKY]),
    ],
)
def test_each_profile_builds_its_documented_argv_with_the_prompt_as_one_element(agent, expected):
    assert get_profile(agent).argv(TRICKY) == expected


def test_extra_arguments_go_before_the_prompt_and_the_executable_can_be_replaced():
    argv = get_profile("claude").argv("p", ["--model", "m"], executable="/opt/bin/claude")
    assert argv == [
        "/opt/bin/claude",
        "--print",
        "--output-format",
        "text",
        "--model",
        "m",
        "--",
        "p",
    ]


def test_secret_needs():
    codex, claude = PROFILES["codex"], PROFILES["claude"]
    assert missing_secrets(codex, {"OPENAI_API_KEY": "k"}) == ([], [])
    assert missing_secrets(codex, {"CODEX_API_KEY": "k"}) == ([], [])
    errors, warnings = missing_secrets(codex, {})
    assert warnings == [] and "OPENAI_API_KEY" in errors[0]
    errors, warnings = missing_secrets(claude, {"OTHER": "x"})
    assert errors == [] and "ANTHROPIC_API_KEY" in warnings[0]


def test_a_required_secret_missing_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^secrets: the codex agent expects .*OPENAI_API_KEY"):
        TaskSpec(image="busybox", agent="codex", prompt="x")


def test_a_command_needs_no_agent_secret():
    assert TaskSpec(image="busybox", command=["codex", "exec", "hi"]).argv()[0] == "codex"


@pytest.mark.parametrize(
    ("given", "size"),
    [("512m", 512 * 2**20), ("2g", 2 * 2**30), ("8MB", 8 * 2**20), (10 * 2**20, 10 * 2**20)],
)
def test_memory_sizes(given, size):
    assert TaskSpec(image="busybox", agent="echo", memory=given).memory == size


@pytest.mark.parametrize(
    ("field", "value"),
    [("memory", "lots"), ("memory", "5m"), ("memory", True), ("cpus", 0), ("cpus", "2")],
)
def test_bad_limits_name_the_field(field, value):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        TaskSpec(image="busybox", agent="echo", **{field: value})


def test_workspace_holding_the_docker_socket_is_refused(tmp_path, project, monkeypatch):
    socket_dir = tmp_path / "run"
    socket_dir.mkdir()
    (socket_dir / "docker.sock").touch()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket_dir / 'docker.sock'}")
    with pytest.raises(ValueError, match=r"^workspace: .*contains the Docker socket"):
        TaskSpec(image="busybox", agent="echo", workspace=tmp_path)
    assert TaskSpec(image="busybox", agent="echo", workspace=project).workspace == str(project)


def test_a_need_of_one_secret_names_it_and_a_need_of_several_names_them_all():
    from agents_runner.agents import SecretNeed

    assert SecretNeed(("ANTHROPIC_API_KEY",)).describe() == "the secret ANTHROPIC_API_KEY"
    assert SecretNeed(("A_KEY", "B_KEY")).describe() == "one of the secrets A_KEY, B_KEY"


def test_an_agent_without_an_image_of_its_own_is_refused_naming_those_with_one():
    from agents_runner.image_builder import agents_with_images, profile_with_image

    with pytest.raises(ValueError) as refused:
        profile_with_image("echo")
    assert str(refused.value) == (
        "agent: the echo agent has no image of its own; agents with one: "
        + ", ".join(agents_with_images())
    )
