import os

import pytest

from agents_runner.spec import TaskSpec
from agents_runner.spec_checks import split_image_reference

VALID = {"image": "busybox:1.36", "agent": "echo", "prompt": "hi"}


def spec(**changes):
    return TaskSpec(**{**VALID, **changes})


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "busybox:1.36",
        "library/busybox:latest",
        "localhost:5000/agents-runner/busybox:1.36",
        "ghcr.io/org/image@sha256:" + "a" * 64,
        "registry.example.com:443/a/b/c:v1.2-rc_3",
    ],
)
def test_valid_image_references(image):
    assert spec(image=image).image == image


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"image": ""}, "image", "non-empty"),
        ({"image": "   "}, "image", "non-empty"),
        ({"image": "Busybox"}, "image", "not a valid image reference"),
        ({"image": "busybox::1"}, "image", "not a valid image reference"),
        ({"image": "bad image"}, "image", "not a valid image reference"),
        ({"image": None}, "image", "non-empty"),
        ({"timeout": 0}, "timeout", "more than 0"),
        ({"timeout": -1}, "timeout", "more than 0"),
        ({"timeout": float("nan")}, "timeout", "number of seconds"),
        ({"timeout": "10"}, "timeout", "number of seconds"),
        ({"stop_grace": -0.5}, "stop_grace", "must not be negative"),
        ({"stop_grace": True}, "stop_grace", "number of seconds"),
        ({"agent": "nonexistent"}, "agent", "unknown agent 'nonexistent'"),
        ({"agent": None}, "agent", "agent profile name or a command"),
        ({"env": {"A=B": "x"}}, "env", "must not contain '='"),
        ({"env": {"": "x"}}, "env", "non-empty"),
        ({"env": {"A": 1}}, "env", "must be a string"),
        ({"secrets": {"K=": "v"}}, "secrets", "must not contain '='"),
        ({"env": {"K": "a"}, "secrets": {"K": "b"}}, "secrets", "also set in env"),
        ({"pull": "sometimes"}, "pull", "not one of missing, always, never"),
        ({"command": []}, "command", "must not be empty"),
        ({"command": "echo hi"}, "command", "list of strings"),
        ({"prompt": "a\x00b"}, "prompt", "NUL"),
        ({"labels": {"agents-runner.task-id": "x"}}, "labels", "reserved prefix"),
        ({"keep_container": "yes"}, "keep_container", "true or false"),
        ({"network": ""}, "network", "non-empty"),
    ],
)
def test_invalid_fields_name_themselves(changes, field, message):
    with pytest.raises(ValueError) as raised:
        spec(**changes)
    assert str(raised.value).startswith(f"{field}:")
    assert message in str(raised.value)


def test_workspace_must_be_an_existing_directory(tmp_path, project):
    with pytest.raises(ValueError, match=r"^workspace: .*not an existing directory"):
        spec(workspace=tmp_path / "missing")
    assert spec(workspace=project).workspace == str(project.resolve())


def test_a_root_owned_workspace_is_refused_unless_the_agent_runs_as_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can make a folder root's")
    os.chown(tmp_path, 0, 0)
    with pytest.raises(ValueError, match=r"^workspace: .* belongs to root.*--user root"):
        spec(workspace=tmp_path)
    assert spec(workspace=tmp_path, user="root").user == "root"


def test_secrets_never_reach_the_payload_or_repr():
    s = spec(secrets={"API_KEY": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(s)
    assert "s3cr3t-value" not in str(s.to_payload())
    assert s.to_payload()["secret_names"] == ["API_KEY"]


def test_payload_round_trip_keeps_every_field_but_secrets(project):
    s = spec(
        env={"A": "1"},
        secrets={"K": "v"},
        workspace=project,
        timeout=5,
        stop_grace=2,
        pull="always",
        labels={"team": "x"},
    )
    again = TaskSpec.from_payload(s.to_payload())
    assert again.to_payload() == s.to_payload()
    assert again.secrets == {}


def test_argv_from_profile_or_command():
    assert spec(prompt="it's $(x)\n").argv() == ["echo", "it's $(x)\n"]
    command = spec(agent=None, prompt="", command=["sh", "-c", "exit 3"])
    assert command.argv() == ["sh", "-c", "exit 3"]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"command": ["echo", "also"]}, "not both"),
        ({"agent": None, "command": ["true"]}, "prompt: needs an agent profile"),
        (
            {"agent": None, "prompt": "", "agent_args": ["-v"], "command": ["true"]},
            "agent_args: needs an agent profile",
        ),
        (
            {"agent": None, "prompt": "", "agent_path": "/x", "command": ["true"]},
            "agent_path: needs an agent profile",
        ),
    ],
)
def test_an_agent_and_a_command_are_not_mixed(changes, named):
    with pytest.raises(ValueError, match=named):
        spec(**changes)


def test_the_payload_shows_the_argv_that_runs():
    assert spec(prompt="fix it", agent_args=["--model", "m"]).to_payload()["argv"] == [
        "echo",
        "--model",
        "m",
        "fix it",
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("busybox", ("busybox", "latest")),
        ("busybox:1.36", ("busybox", "1.36")),
        ("localhost:5000/a/b", ("localhost:5000/a/b", "latest")),
        ("localhost:5000/a/b:t", ("localhost:5000/a/b", "t")),
        ("a/b@sha256:" + "0" * 64, ("a/b@sha256:" + "0" * 64, None)),
    ],
)
def test_split_image_reference(image, expected):
    assert split_image_reference(image) == expected


def test_the_task_knows_every_field_of_the_spec_payload():
    from agents_runner.task import SPEC_PAYLOAD_FIELDS

    assert set(spec().to_payload()) == SPEC_PAYLOAD_FIELDS


def test_the_fence_defaults():
    s = spec()
    assert (s.memory, s.pids_limit, s.nofile, s.tmp_size) == (4 * 2**30, 512, 4096, 256 * 2**20)
    assert (s.user, s.cap_add, s.read_only) == (None, (), False)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"cap_add": ["ALL"]}, "cap_add: ALL"),
        ({"cap_add": ["FLY"]}, "cap_add: 'FLY'"),
        ({"pids_limit": 3}, "pids_limit"),
        ({"nofile": "many"}, "nofile"),
        ({"tmp_size": "1k"}, "tmp_size"),
        ({"user": "no body"}, "user"),
        ({"read_only": "yes"}, "read_only"),
    ],
)
def test_the_fence_is_checked(changes, named):
    with pytest.raises(ValueError, match=named):
        spec(**changes)


def test_the_fence_can_be_opened_on_purpose():
    s = spec(
        memory="unlimited", pids_limit=None, tmp_size=None, cap_add=["cap_net_raw"], user="root"
    )
    assert (s.memory, s.pids_limit, s.tmp_size, s.cap_add, s.user) == (
        None, None, None, ("NET_RAW",), "root",
    )  # fmt: skip


def test_the_task_knows_which_fields_of_the_spec_payload_are_lists_and_mappings():
    from agents_runner.spec import _PAYLOAD_FORMS
    from agents_runner.task import SPEC_LIST_FIELDS, SPEC_MAP_FIELDS

    lists = {name for name, form in _PAYLOAD_FORMS if form == "list"} | {"argv"}
    assert (
        lists,
        {name for name, form in _PAYLOAD_FORMS if form == "dict"},
    ) == (SPEC_LIST_FIELDS, SPEC_MAP_FIELDS)
