"""The wheel holds what a user installs, and only that: built, installed into a fresh
virtual environment without the dev group (no behave, no hypothesis), every module in it
imports there, and the acceptance harness (agents_runner/testing) is not in it."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EACH = """\
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("uv is needed to build the wheel and make a fresh venv; it is not on PATH")
    return uv


def _run(argv: list[str], what: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({' '.join(argv)}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the python of a fresh venv it is installed in, alone with its
    dependencies)."""
    uv, work = _uv(), tmp_path_factory.mktemp("wheel")
    _run([uv, "build", "--wheel", "--out-dir", str(work / "dist"), str(ROOT)], "uv build")
    wheels = list((work / "dist").glob("agents_runner-*.whl"))
    assert len(wheels) == 1, f"uv build made {wheels}"
    venv = work / "venv"
    _run([uv, "venv", "--python", sys.executable, str(venv)], "uv venv")
    python = venv / "bin" / "python"
    _run([uv, "pip", "install", "--python", str(python), str(wheels[0])], "uv pip install")
    return wheels[0], python


def _modules(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    modules = []
    for name in names:
        if name.startswith("agents_runner/") and name.endswith(".py"):
            parts = name.removesuffix(".py").split("/")
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(modules)


def test_the_wheel_leaves_the_acceptance_harness_out(installed):
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as archive:
        harness = [name for name in archive.namelist() if name.startswith("agents_runner/testing")]
    assert harness == []
    modules = _modules(wheel)
    assert "agents_runner.cli" in modules
    assert "agents_runner.runner" in modules
    assert len(modules) >= 25


def test_every_module_in_the_wheel_imports_without_the_dev_group(installed):
    wheel, python = installed
    dev_only = subprocess.run(
        [str(python), "-c", "import behave"], capture_output=True, text=True, cwd="/"
    )
    assert dev_only.returncode != 0, "the fresh venv has behave: it is not a plain install"
    # A __main__ runs the command line when imported: it is run instead, below.
    modules = [m for m in _modules(wheel) if not m.endswith(".__main__")]
    result = _run([str(python), "-c", IMPORT_EACH, *modules], "importing the modules", cwd="/")
    assert result.stdout.strip() == "", f"modules that do not import:\n{result.stdout}"
    version = _run([str(python), "-m", "agents_runner.cli", "--version"], "--version", cwd="/")
    assert version.stdout.startswith("agents-runner ")
    docker = _run(
        [str(python), "-c", "from importlib.metadata import version; print(version('docker'))"],
        "the docker SDK's version",
        cwd="/",
    )
    assert docker.stdout.startswith("7."), f"docker {docker.stdout} is outside >=7.2,<8"
    script = _run([str(python.parent / "agents-runner"), "list", "--help"], "list --help", cwd="/")
    assert script.stdout.startswith("usage: agents-runner list")
