"""Allure results in a parallel run: each worker writes its own folder, leaving out the
scenarios of its features that another worker runs, and the merge copies them into
the folder $AGENTS_RUNNER_ALLURE names, so each scenario's result is there once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..allure_evidence import ALLURE_VARIABLE, clear_results

# allure-behave otherwise writes every scenario it was not asked to run as skipped.
HIDE_EXCLUDED = ["-D", "AllureFormatter.hide_excluded=true"]


def requested() -> Path | None:
    """The folder the person asked the whole run's Allure results in, if any."""
    folder = os.environ.get(ALLURE_VARIABLE, "").strip()
    return Path(folder) if folder else None


def worker_folder(worker_parts: Path) -> Path:
    return worker_parts / "allure"


def merge(worker_parts: list[Path], target: Path) -> int:
    """Copy every worker's results into `target` (an earlier run's are removed first);
    returns how many test results were copied."""
    target.mkdir(parents=True, exist_ok=True)
    clear_results(target)
    results = 0
    for parts in worker_parts:
        folder = worker_folder(parts)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            shutil.copy2(path, target / path.name)
            results += path.name.endswith("-result.json")
    return results
