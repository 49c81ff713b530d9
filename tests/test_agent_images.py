"""The agents' images, profiles' pins, the failure diagnosis and the login hand-off's
checks: the parts that need no engine."""

import os
import re

import pytest

from agents_runner.agents import (
    NODE_IMAGE,
    PROFILES,
    PROMPT_ARGUMENT_LIMIT,
    PROMPT_FILE,
    get_profile,
    prompt_needs_file,
)
from agents_runner.diagnosis import ACCOUNT, NETWORK, OFFLINE, diagnose
from agents_runner.image_builder import agents_with_images, dockerfile
from agents_runner.spec import TaskSpec
from agents_runner.store import TaskStore
from agents_runner.supervise.agent_container import create_arguments

AGENTS = ["claude", "codex", "copilot", "gemini"]


def test_every_real_agent_has_an_image_and_echo_has_none():
    assert agents_with_images() == AGENTS
    assert get_profile("echo").default_image is None


@pytest.mark.parametrize("agent", AGENTS)
def test_each_dockerfile_pins_what_its_profile_pins(agent):
    """One release per agent: the Dockerfile a person builds by hand installs the version
    the profile names its image after, on the Node.js image the README gives."""
    text = dockerfile(agent).read_text()
    release = PROFILES[agent].release
    installs = re.findall(r"^\s+(@[\w./-]+@[\w.-]+)\s*$", text, re.MULTILINE)
    assert installs == [f"{release.package}@{release.version}"]
    assert re.findall(r"^ARG NODE_IMAGE=(\S+)$", text, re.MULTILINE) == [NODE_IMAGE]
    assert f"agents-runner/{agent}:{release.version}" in text
    assert re.search(r"^USER node$", text, re.MULTILINE)
    assert re.search(r"^WORKDIR /workspace$", text, re.MULTILINE)


@pytest.mark.parametrize(
    ("agent", "output", "expected"),
    [  # what each CLI printed, offline, in the @real-agent scenarios and by hand
        ("codex", "ERROR: Reconnecting... waiting for network", NETWORK),
        ("codex", "failed to lookup address information: Try again", NETWORK),
        ("claude", "API Error: Can't reach the API server (EAI_AGAIN)", NETWORK),
        ("gemini", "Attempt 2 failed. Retrying with backoff... TypeError: fetch failed", NETWORK),
        ("copilot", "Failed to fetch PAT user login: network fetch failed: error sending", NETWORK),
        ("copilot", "Classic Personal Access Tokens (ghp_) are not supported by Copilot", ACCOUNT),
        ("claude", 'API Error: 401 {"type":"authentication_error"}', ACCOUNT),
        ("gemini", "Gemini CLI is not running in a trusted directory.", None),
        ("codex", "error: unexpected argument '--bogus' found", None),
    ],
)
def test_the_diagnosis_tells_network_from_account_from_anything_else(agent, output, expected):
    assert diagnose(PROFILES[agent].failure_signs, output) == expected


def test_a_plain_command_gets_no_diagnosis():
    assert diagnose(None, "fetch failed") is None
    assert diagnose(None, "", offline=True) is None


def test_offline_the_agent_s_own_words_win_and_else_the_missing_network_is_named():
    signs = PROFILES["claude"].failure_signs
    assert diagnose(signs, "API Error: Can't reach the API server", offline=True) == NETWORK
    assert diagnose(signs, "Classic Personal Access Tokens (ghp_) are not supported by "
                    "Copilot", offline=True) == ACCOUNT  # fmt: skip
    assert diagnose(signs, "", offline=True) == OFFLINE
    assert diagnose(signs, "thinking...", offline=True) == OFFLINE
    assert diagnose(signs, "thinking...", offline=False) is None


def _created_env(tmp_path, offline, **fields):
    spec = TaskSpec(image="agents-runner/claude:2.1.332", agent="claude", prompt="hi", **fields)
    return create_arguments(spec, "t1", TaskStore(tmp_path), offline=offline)["env"]


def test_claude_is_told_not_to_retry_only_where_its_container_has_no_network(tmp_path):
    assert _created_env(tmp_path, True)["CLAUDE_CODE_MAX_RETRIES"] == "0"
    assert "CLAUDE_CODE_MAX_RETRIES" not in _created_env(tmp_path, False)
    mine = _created_env(tmp_path, True, env={"CLAUDE_CODE_MAX_RETRIES": "3"})
    assert mine["CLAUDE_CODE_MAX_RETRIES"] == "3"  # the task's own setting wins
    assert all(not PROFILES[name].offline_env for name in ("codex", "gemini", "copilot"))


def test_a_prompt_too_long_for_one_argument_goes_through_the_file_on_stdin():
    long_prompt = "é" * (PROMPT_ARGUMENT_LIMIT // 2 + 1)  # two bytes each
    assert prompt_needs_file(long_prompt)
    assert not prompt_needs_file("x" * PROMPT_ARGUMENT_LIMIT)
    argv = get_profile("codex").argv(long_prompt, ["--model", "m"])
    assert argv == [
        "sh", "-c", f'exec "$@" < {PROMPT_FILE}', "sh",
        "codex", "exec", "--sandbox", "workspace-write", "--skip-git-repo-check",
        "--model", "m", "-",
    ]  # fmt: skip
    assert long_prompt not in " ".join(argv)


def test_echo_cannot_take_a_prompt_on_stdin_and_says_so():
    with pytest.raises(ValueError, match=r"^prompt: .* cannot read its prompt from stdin"):
        TaskSpec(image="busybox", agent="echo", prompt="x" * (PROMPT_ARGUMENT_LIMIT + 1))


def test_a_host_login_needs_an_agent_and_a_login_to_hand_over(tmp_path):
    with pytest.raises(ValueError, match=r"^host_login: .*give one of the agents"):
        TaskSpec(image="busybox", command=["true"], host_login=str(tmp_path))
    with pytest.raises(ValueError, match=r"^host_login: there is no codex login .*~/\.codex"):
        TaskSpec(
            image="busybox", agent="codex", prompt="p", secrets={"CODEX_API_KEY": "k"},
            host_login=str(tmp_path),
        )  # fmt: skip


def test_a_login_that_belongs_to_root_needs_the_user_to_say_root(tmp_path):
    (tmp_path / ".gemini").mkdir()
    os.chown(tmp_path / ".gemini", 0, 0)
    if os.geteuid() != 0:
        pytest.skip("only root can make a folder root's")
    with pytest.raises(ValueError, match=r"belongs to root.*--user root"):
        TaskSpec(image="busybox", agent="gemini", prompt="p", host_login=str(tmp_path))
    spec = TaskSpec(
        image="busybox", agent="gemini", prompt="p", host_login=str(tmp_path), user="root"
    )
    assert spec.host_login == str(tmp_path)
