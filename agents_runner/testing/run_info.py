"""What an evidence report says about the run itself: which code, which engine, which
image, which command, and which scenarios the suite has in all."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from behave.parser import parse_file


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario as the feature files have it (an outline row counts as one)."""

    file: str
    line: int
    name: str


@dataclass
class RunInfo:
    run_id: str
    date: str
    commit: str
    command: str
    host_os: str
    engine: str
    api_version: str
    engine_os: str
    image: str
    image_digest: str
    suite: list[ScenarioRef] = field(default_factory=list)  # every scenario in features/

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("Run id", self.run_id),
            ("Date (UTC)", self.date),
            ("Git commit", self.commit),
            ("Command line", self.command),
            ("Docker engine", self.engine),
            ("Engine API version", self.api_version),
            ("Engine OS", self.engine_os),
            ("Suite host OS", self.host_os),
            ("Test image", self.image),
            ("Test image digest", self.image_digest),
        ]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def command_line(argv: Sequence[str]) -> str:
    if not argv:
        return ""
    return shlex.join([Path(argv[0]).name, *argv[1:]])


def git_commit(root: Path) -> str:
    """HEAD's hash, and whether tracked files differ from it."""
    try:
        head = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"unknown ({exc})"
    return head + (" with uncommitted changes" if dirty else "")


def engine_facts(api: Any) -> tuple[str, str, str]:
    """(engine name and version, API version, engine OS) from a docker APIClient."""
    try:
        version = api.version()
        info = api.info()
    except Exception as exc:  # the report still gets written without them
        unknown = f"unknown ({exc})"
        return unknown, unknown, unknown
    name = (version.get("Platform") or {}).get("Name") or "Docker Engine"
    engine = f"{name} {version.get('Version', '?')}"
    api_version = f"{version.get('ApiVersion', '?')} (client uses {api.api_version})"
    engine_os = (
        f"{info.get('OperatingSystem', '?')}, {version.get('Os', '?')}/{version.get('Arch', '?')}"
        f", kernel {version.get('KernelVersion', '?')}"
    )
    return engine, api_version, engine_os


def image_digest(api: Any, image: str) -> str:
    """The registry digest(s) of the image and its local id."""
    try:
        inspected = api.inspect_image(image)
    except Exception as exc:
        return f"unknown ({exc})"
    digests = inspected.get("RepoDigests") or []
    return ", ".join([*digests, f"image id {inspected.get('Id', '?')}"])


def host_os() -> str:
    return f"{platform.platform()}, Python {platform.python_version()}"


def suite_scenarios(features_dir: Path, base: Path) -> list[ScenarioRef]:
    """Every scenario (outline rows expanded) in the feature files under `features_dir`,
    with paths relative to `base` as behave reports them."""
    scenarios = []
    for path in sorted(features_dir.rglob("*.feature")):
        feature = parse_file(str(path))
        if feature is None:
            continue
        relative = os.path.relpath(path, base)
        scenarios.extend(
            ScenarioRef(relative, scenario.line, (scenario.name or "").strip())
            for scenario in feature.walk_scenarios()
        )
    return scenarios


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()
