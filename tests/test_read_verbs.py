"""The CLI's read verbs read the state dir and nothing else: no Docker SDK is imported."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents_runner.spec import TaskSpec
from agents_runner.store import TaskStore
from agents_runner.task import Task

PROBE = (
    "import sys\n"
    "from agents_runner.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print('imported docker' if 'docker' in sys.modules else 'no docker')\n"
    "sys.exit(status)\n"
)


@pytest.fixture
def stored(tmp_path):
    store = TaskStore(tmp_path)
    task = Task.new(TaskSpec(image="busybox", agent="echo", prompt="hi"))
    store.create(task)
    store.log_path(task.id).write_bytes(b"hello\n")
    return tmp_path, task.id


@pytest.mark.parametrize("verb", [["list", "--all"], ["show", "{id}"], ["logs", "{id}"]])
def test_a_read_verb_imports_no_engine_library(stored, verb):
    state_dir, task_id = stored
    args = [arg.replace("{id}", task_id) for arg in verb]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no docker"
    assert task_id in result.stdout or verb[0] == "logs"


READER = (
    "import sys\n"
    "from agents_runner.store import TaskStore\n"
    "from agents_runner.terminal import format_table\n"
    "store = TaskStore(sys.argv[1])\n"
    "format_table(store.list_unfinished())\n"
    "[task.to_payload() for task in store.list()]\n"
    "store.load(store.resolve_id(sys.argv[2][:5]))\n"
    "heavy = ('dataclasses', 'inspect', 'typing', 'logging', 'secrets', 'hashlib', 'shutil',\n"
    "         'threading', 'agents_runner.spec', 'docker')\n"
    "print(' '.join(name for name in heavy if name in sys.modules) or 'none')\n"
)


def test_reading_the_store_imports_nothing_heavy(stored):
    """What the read verbs do, with the store's, the task's and the table's imports: none
    of the modules that cost more than they are worth there (cli.py's own imports aside)."""
    assert _heavy_modules(READER, *stored, report="stdout") == ["none"]


def _heavy_modules(source: str, state_dir: Path, task_id: str, *, report: str) -> list[str]:
    """Run `source` in a new interpreter; what it reports on `report` (stdout, or stderr
    when the command line's own output takes stdout)."""
    result = subprocess.run(
        [sys.executable, "-c", source, str(state_dir), task_id],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return getattr(result, report).split()


WARNING_PROBE = (
    "import sys\n"
    "from agents_runner.logsetup import get_logger, warnings_to_stderr\n"
    "from agents_runner.store import TaskStore\n"
    "warnings_to_stderr('agents-runner: warning: %(message)s')\n"
    "store = TaskStore(sys.argv[1])\n"
    "store.list_unfinished()\n"
    "print('logging' in sys.modules)\n"
    "(store.tasks_dir / 'cccccccccccc.json').write_text('{\"schema\": 7}')\n"
    "store.list()\n"
    "get_logger('agents_runner.runner').warning('from a module that logs from its import')\n"
)


def test_warnings_have_the_command_lines_format_and_logging_waits_for_the_first(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", WARNING_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]
    assert result.stderr.splitlines() == [
        "agents-runner: warning: skipping task payload cccccccccccc.json: it has schema 7, "
        "written by a newer agents-runner (this version reads 1); upgrade to read it",
        "agents-runner: warning: from a module that logs from its import",
    ]


HELP_PROBE = (
    "import argparse, sys\n"
    "from agents_runner.terminal import HelpFormatter\n"
    "parser = argparse.ArgumentParser(prog='p', formatter_class=HelpFormatter)\n"
    "parser.add_argument('--x', help='word ' * 40)\n"
    "print(parser.format_help())\n"
    "print('shutil' in sys.modules)\n"
)


@pytest.mark.parametrize("columns", ["50", "120"])
def test_the_help_fits_the_terminal_without_importing_shutil(columns):
    result = subprocess.run(
        [sys.executable, "-c", HELP_PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": columns},
    )
    lines = result.stdout.splitlines()
    assert lines[-1] == "False"
    assert max(len(line) for line in lines) <= int(columns) - 2
    assert max(len(line) for line in lines) > int(columns) - 12


CLI_READER = (
    "import sys\n"
    "from agents_runner.cli import main\n"
    "for argv in (['list'], ['list', '--all'], ['show', sys.argv[2][:5]], ['logs', sys.argv[2]]):\n"
    "    assert main(['--state-dir', sys.argv[1], *argv]) == 0, argv\n"
    "heavy = ('dataclasses', 'inspect', 'typing', 'logging', 'secrets', 'hashlib', 'shutil',\n"
    "         'threading', 'agents_runner.spec', 'agents_runner.runner', 'docker', 'requests')\n"
    "print(' '.join(name for name in heavy if name in sys.modules) or 'none', file=sys.stderr)\n"
)


def test_the_read_verbs_of_the_command_line_import_nothing_heavy(stored):
    assert _heavy_modules(CLI_READER, *stored, report="stderr") == ["none"]
