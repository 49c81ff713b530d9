"""Steps about the log being complete: hashes against Docker's own copy."""

from __future__ import annotations

import hashlib
import subprocess

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, has_length

from agents_runner.logstream import as_json_file_text

AGENT_OUTPUT = {
    "nothing": "true",
    "one byte with no newline": "printf x",
    # \377 and \376 are not UTF-8: Docker's json-file copy turns them into U+FFFD.
    "binary bytes": r"printf '\000\001\002\377\376abc\n\033[0m'",
    "20 MB of 100-byte lines": "yes " + "0123456789" * 9 + "012345678 | head -c 20000000",
    "100 MB of 80-byte lines": "yes " + "0123456789" * 7 + "012345678 | head -c 100000000",
    "100 MB with no newline": "head -c 100000000 /dev/zero | tr '\\0' x",
    # 7,000 box-drawing characters of three bytes each: Docker's log splits the line
    # into pieces of 16 KiB, and 16,384 is not a multiple of 3.
    "a 21 KB line of three-byte characters": "yes '─' | head -n 7000 | tr -d '\\n'; echo",
    # A line longer than 16 KiB and one of exactly 16 KiB, whose newlines a Swarm node's
    # local log driver drops, then one more line.
    "lines of 40,000 and 16,384 bytes, then a short one": (
        "head -c 40000 /dev/zero | tr '\\0' a; echo;"
        " head -c 16384 /dev/zero | tr '\\0' c; echo; echo end"
    ),
}

_LOG_PIECE = 16 * 1024  # Docker's log copier hands a longer line to its driver in pieces


@given("a task whose container is kept and whose agent prints {output}")
def kept_task_printing(context: Context, output: str) -> None:
    context.spec_fields = {
        "command": ["sh", "-c", AGENT_OUTPUT[output]],
        "keep_container": True,
        "timeout": 600.0,
    }
    # What is checked is the copy, not its speed: a machine busy with other scenarios
    # may take minutes to pass 100 MB through the engine's log.
    context.end_within = 600.0


@then(
    "its log is the {size:d} bytes the agent printed, as the same command prints them on this host"
)
def log_is_what_was_printed(context: Context, size: int) -> None:
    """The host's own shell runs the agent's command: an account of its bytes that
    owes nothing to the engine or to the runner."""
    context.harness.kept_containers.append(context.task.container_id)
    ours = _sha256_of_file(context.harness.runner().store.log_path(context.task.id))
    printed = _sha256_of_stdout(["sh", "-c", context.spec_fields["command"][2]])
    assert_that(ours, equal_to(printed), "SHA-256 and size of (our log, the host's run)")
    assert_that(ours[1], equal_to(size), "bytes in the log")


@then(
    'its log, as the engine keeps it, has the SHA-256 of the engine\'s own "logs" command on'
    " its container"
)
def log_matches_engine(context: Context) -> None:
    """The engine's own command: `docker logs`, or `podman logs`, which reads Podman's
    log file itself (its Docker API has been seen to drop bytes of a large log).
    Docker's json-file log keeps text, each byte that is not UTF-8 as U+FFFD; Podman's
    k8s-file keeps the bytes, and so does the `local` log a Swarm node keeps of a task,
    but for the newline after a line of 16 KiB or more."""
    context.harness.kept_containers.append(context.task.container_id)
    kind = context.harness.engine.kind
    path = context.harness.runner().store.log_path(context.task.id)
    if kind == "podman":
        ours = _sha256_of_file(path)
    elif kind == "swarm":
        text = _as_local_driver_keeps(path.read_bytes())
        ours = hashlib.sha256(text).hexdigest(), len(text)
    else:
        text = _as_json_file_pieces(path.read_bytes())
        ours = hashlib.sha256(text).hexdigest(), len(text)
    theirs = _sha256_of_stdout(_logs_command(context))
    assert_that(ours, equal_to(theirs), f"SHA-256 and size of (our log as text, {kind} logs)")


@then('its log is byte for byte what the engine\'s own "logs" command prints of its container')
def log_is_engine_copy(context: Context) -> None:
    context.harness.kept_containers.append(context.task.container_id)
    kind = context.harness.engine.kind
    ours = _sha256_of_file(context.harness.runner().store.log_path(context.task.id))
    theirs = _sha256_of_stdout(_logs_command(context))
    assert_that(ours, equal_to(theirs), f"SHA-256 and size of (our log, {kind} logs)")


@when('{count:d} tasks whose agent prints "{text}" with no final newline are submitted')
def many_without_newline(context: Context, count: int, text: str) -> None:
    context.batch = [
        context.harness.submit(command=["printf", "%s", text], timeout=120.0) for _ in range(count)
    ]


@then('every one of their logs is exactly "{text}"')
def every_log_is(context: Context, text: str) -> None:
    logs = [context.harness.log_text(task.id) for task in context.batch]
    wrong = [(task.id, log) for task, log in zip(context.batch, logs, strict=True) if log != text]
    assert_that(wrong, has_length(0), f"{len(wrong)} of {len(logs)} logs differ")


def _sha256_of_file(path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as log:
        while block := log.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _as_json_file_pieces(data: bytes) -> bytes:
    """`data` as Docker's json-file log keeps it: each line is split into pieces of
    16 KiB, and each piece is text, each byte that is not part of valid UTF-8 within it
    as U+FFFD (so a character cut by a piece's end is U+FFFD too)."""
    kept = []
    for body in data.split(b"\n"):
        for start in range(0, len(body), _LOG_PIECE):
            kept.append(as_json_file_text(body[start : start + _LOG_PIECE]))
        kept.append(b"\n")
    return b"".join(kept)[:-1]  # the last part is what follows the last newline


def _as_local_driver_keeps(data: bytes) -> bytes:
    """`data` as Docker 20.10's `local` log driver gives it back: without the newline
    that ends a line of 16 KiB or more (the copier hands such a line over in pieces, and
    the driver keeps the last one as a partial piece)."""
    lines = data.split(b"\n")
    kept = [line if len(line) >= _LOG_PIECE else line + b"\n" for line in lines[:-1]]
    return b"".join(kept) + lines[-1]


def _logs_command(context: Context) -> list[str]:
    """The engine's command for the container's output (its stdout: the agents here
    write nothing to stderr): on a Swarm, `docker logs` on the node that ran it."""
    engine = context.harness.engine
    if engine.kind == "swarm":
        found = (context.harness.container(context.task) or {}).get("Id")
        assert found, "the kept container, on its node"
        return ["docker", "-H", engine.address_of(found), "logs", found]
    return [engine.kind, "logs", context.task.container_id]


def _sha256_of_stdout(argv: list[str]) -> tuple[str, int]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    digest, size = hashlib.sha256(), 0
    while block := process.stdout.read(1 << 20):
        digest.update(block)
        size += len(block)
    _, err = process.communicate(timeout=600)
    assert_that(process.returncode, equal_to(0), f"{argv} failed: {err!r}")
    assert_that(err, equal_to(b""), f"{argv} printed on stderr")
    return digest.hexdigest(), size
