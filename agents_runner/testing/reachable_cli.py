"""The command line as another user can run it, wherever the checkout is.

A checkout in a folder only root can enter (under /root, or from `mktemp -d`) holds
the venv and the package where `nobody` cannot read them. The scenarios that run the
command line as another user copy the package and the venv's libraries into a folder
of the scenario's own that anyone may read, and run them with the venv's base
interpreter."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import agents_runner

_SKIP = shutil.ignore_patterns("*.pth", "__pycache__")


def reachable_cli(folder: Path) -> tuple[list[str], dict[str, str]]:
    """Copy what the command line needs into `folder` (readable by anyone) and return
    the argv prefix and the environment that run it from there."""
    libraries = folder / "site-packages"
    shutil.copytree(sysconfig.get_paths()["purelib"], libraries, ignore=_SKIP)
    package = Path(agents_runner.__file__).resolve().parent
    shutil.copytree(package, libraries / package.name, ignore=_SKIP, dirs_exist_ok=True)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    interpreter = str(Path(sys.base_prefix) / "bin" / "python3")
    argv = [interpreter, "-S", "-m", "agents_runner.cli"]
    return argv, {"PYTHONPATH": str(libraries)}
