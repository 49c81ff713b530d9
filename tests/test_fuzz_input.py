"""Fuzzed input (issue 15): task specs through the Python API, argument lists through the
command line's parser, and payload files on disk. Each either becomes something valid or
is refused with one clear error; nothing raises anything else, nothing bad is stored.

AGENTS_RUNNER_FUZZ_EXAMPLES sets how many examples each test draws (CI: 300; the full
count is a documented command: AGENTS_RUNNER_FUZZ_EXAMPLES=10000 uv run pytest
tests/test_fuzz_input.py)."""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents_runner.cli.common import BadInput, in_user_words, one_line
from agents_runner.cli.parser import parse
from agents_runner.cli.run_verb import spec_from_args
from agents_runner.spec import TaskSpec
from agents_runner.store import TaskNotFound, TaskStore, UnreadableTask
from agents_runner.task import Task

EXAMPLES = int(os.environ.get("AGENTS_RUNNER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it
)
FIELD_ERROR = re.compile(r"^[a-z_]+(\[\d+\])?: \S")
INTERNAL_NAME = re.compile(r"^(stop_grace|agent_args|agent_path|cap_add|pids_limit|tmp_size)")

anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
plausible = {
    "image": st.sampled_from(["busybox:1.36", "localhost:5000/a/b:1", "Bad Image", "", "a" * 300]),
    "agent": st.sampled_from([None, "echo", "codex", "nope"]),
    "prompt": st.text(max_size=10),
    "command": st.none() | st.lists(st.text(max_size=5), max_size=3),
    "env": st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    "timeout": st.none() | st.floats() | st.integers(-5, 5),
    "stop_grace": st.floats() | st.integers(-5, 5),
    "pull": st.sampled_from(["missing", "always", "never", "sometimes"]),
    "memory": st.sampled_from([None, "4g", "1k", "512m", "lots", "unlimited", 0, 10**7]),
    "cpus": st.none() | st.floats() | st.integers(-1, 3),
    "user": st.sampled_from([None, "root", "1000", "1000:1000", "no body", ""]),
    "cap_add": st.lists(st.sampled_from(["NET_RAW", "cap_chown", "ALL", "FLY"]), max_size=2),
    "pids_limit": st.sampled_from([None, 512, 7, 0, -1, "many", "unlimited"]),
    "tmp_size": st.sampled_from([None, "256m", "1k", "unlimited"]),
    "read_only": st.sampled_from([False, True, "yes"]),
    "labels": st.dictionaries(
        st.sampled_from(["team", "agents-runner.x", ""]), st.text(max_size=3)
    ),
}
spec_fields = st.fixed_dictionaries(
    {},
    optional={name: (strategy | anything) for name, strategy in plausible.items()},
)


@FUZZ
@given(spec_fields)
def test_a_spec_is_valid_or_refused_naming_its_field(fields):
    fields.setdefault("image", "busybox:1.36")
    try:
        spec = TaskSpec(**fields)
    except ValueError as exc:
        message = str(exc)
        assert FIELD_ERROR.match(message), message
        assert "\n" not in message
        return
    payload = json.loads(json.dumps(spec.to_payload()))
    assert TaskSpec.from_payload(payload).to_payload() == payload
    assert "secrets" not in payload


VERBS = ["run", "list", "show", "logs", "wait", "cancel", "kill", "rm", "recover", "prune"]
OPTIONS = [
    "--image", "--agent", "--prompt", "--prompt-file", "--agent-arg", "--agent-path", "-e",
    "--env", "--secret", "--workspace", "--timeout", "--grace", "--pull", "--network",
    "--memory", "--cpus", "--user", "--cap-add", "--pids-limit", "--nofile", "--tmp-size",
    "--read-only", "--label", "-d", "--all", "--state", "--quiet", "--json", "--follow",
    "--tail", "--since", "--no-wait", "--older-than", "--orphan-grace", "--state-dir", "--",
]  # fmt: skip
VALUES = st.sampled_from(
    ["busybox:1.36", "echo", "hi", "-v", "--model", "5m", "-1", "0", "1.5", "x=y", "NOEQ",
     "4g", "unlimited", "NET_RAW", "root", "never", "failed", "0123456789ab", "", "nan"]
) | st.text(max_size=6)  # fmt: skip
argv_lists = st.lists(st.sampled_from(OPTIONS) | VALUES, max_size=8)


@FUZZ
@given(st.sampled_from(VERBS), argv_lists)
def test_a_command_line_is_valid_or_refused_in_one_line(verb, words):
    argv = [verb, *words]
    try:
        args = parse(argv)
        if args.command == "run":
            args.prompt_file = None if args.prompt_file == "-" else args.prompt_file
            spec_from_args(args)
    except BadInput as exc:
        said = one_line(str(exc))
        assert said and "\n" not in said, said
    except ValueError as exc:
        said = one_line(in_user_words(str(exc), verb))
        assert "\n" not in said, said
        assert not INTERNAL_NAME.match(said), said


def _valid_payload() -> dict:
    return Task.new(TaskSpec(image="busybox:1.36", agent="echo", prompt="hi")).to_payload()


def _damaged(kind: str, data: bytes) -> bytes:
    valid = json.dumps(_valid_payload()).encode()
    if kind == "random bytes":
        return data
    if kind == "truncated":
        return valid[: len(data) % len(valid)]
    if kind == "future schema":
        return json.dumps({**_valid_payload(), "schema": 99}).encode()
    payload = _valid_payload()  # a wrong type in one field
    field = sorted(payload)[len(data) % len(payload)]
    payload[field] = [data.hex()] if not isinstance(payload[field], list) else data.hex()
    return json.dumps(payload).encode()


@FUZZ
@given(
    st.sampled_from(["random bytes", "truncated", "future schema", "wrong type"]),
    st.binary(max_size=64),
)
def test_a_damaged_payload_never_stops_the_others_from_loading(tmp_path_factory, kind, data):
    store = TaskStore(tmp_path_factory.mktemp("state"))
    good = store.create(Task.new(TaskSpec(image="busybox:1.36", command=["true"])))
    bad_id = "0123456789ab"
    store.payload_path(bad_id).write_bytes(_damaged(kind, data))
    assert good.id in [task.id for task in store.list()]
    try:
        loaded = store.load(bad_id)
    except (TaskNotFound, UnreadableTask) as exc:
        assert "\n" not in str(exc)
    else:  # the damage left a valid payload (a wrong type the reader tolerates)
        assert loaded.id == bad_id
    assert store.load(good.id).to_payload() == good.to_payload()
    quarantined = (
        list(store.quarantine_dir.glob("*.reason")) if store.quarantine_dir.exists() else []
    )
    if kind == "future schema":
        assert store.payload_path(bad_id).exists() and not quarantined


@pytest.mark.parametrize("field", ["image", "memory", "user", "cap_add"])
def test_the_fuzz_vocabulary_reaches_each_new_field(field):
    assert field in plausible


def test_an_error_that_quotes_a_newline_stays_one_line(capsys):
    from agents_runner.cli import main

    assert main(["list", "two\nlines"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two\\nlines" in err, err
