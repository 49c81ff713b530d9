"""Fixes to the JUnit XML that behave 1.3 writes (reports/junit/TESTS-*.xml).

behave's reporter gives a testcase no `file` or `line`, names a scenario-outline row
"name -- @1.1 " (a trailing space, from the empty Examples name), reports an
undefined step as an error of type "NoneType" with the message "None", names its files
after the feature file's path relative to the paths it was given (TESTS-complete.xml
for the whole suite, TESTS-features.complete.xml for one file), and leaves the files of
earlier runs beside the new ones. `clear_stale` runs before the features, `polish`
after behave has written its files: each file is then named after the feature file's
path from the repository (TESTS-features.complete.xml), however behave was called.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

REPORT_GLOB = "TESTS-*.xml"
_UNDEFINED = re.compile(r"^Failing step: (?P<step>.*?) \.\.\. undefined in ", re.MULTILINE)


def clear_stale(directory: Path) -> list[Path]:
    """Delete the JUnit files an earlier run left in `directory`; returns them."""
    removed = []
    for path in sorted(Path(directory).glob(REPORT_GLOB)):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def polish(
    directory: Path,
    features: Iterable[Any],
    records: Iterable[Any] = (),
    base: Path | None = None,
) -> None:
    """Rewrite each JUnit file in `directory`: `file` and `line` on each testcase (from
    behave's `features`, the parsed model; `file` relative to `base`, default the
    working directory), names without trailing spaces, undefined steps as such, and the
    stable file name. `records` (the evidence's ScenarioRecords) add each testcase's
    worker, start and end as its properties, as pytest's record_property writes them."""
    base = Path.cwd() if base is None else base
    features = list(features)
    when = {(r.file, r.line): r for r in records}
    for path in sorted(Path(directory).glob(REPORT_GLOB)):
        try:
            _polish_file(path, features, base, when)
        except ElementTree.ParseError:
            continue  # not behave's: leave it as it is
        except Exception as exc:  # the run's own checks in after_all must still run
            print(f"junit: {path} left as behave wrote it: {exc!r}", file=sys.stderr)


def stable_name(feature_file: str) -> str:
    """TESTS-<the feature file's path without .feature, in dots>.xml"""
    return "TESTS-" + os.path.splitext(feature_file)[0].replace("/", ".") + ".xml"


def _polish_file(path: Path, features: list[Any], base: Path, when: dict[Any, Any]) -> None:
    tree = ElementTree.parse(path)
    suite = tree.getroot()
    feature = _feature_of(path, suite, features)
    scenarios = list(feature.walk_scenarios()) if feature is not None else []
    for element in [suite, *suite.iter("testcase")]:
        for attribute in ("name", "classname"):
            if attribute in element.attrib:
                element.set(attribute, element.get(attribute, "").strip())
    for case in suite.iter("testcase"):
        scenario = _take(scenarios, case.get("name", ""))
        if scenario is not None:
            case.set("file", _relative(scenario.filename, base))
            case.set("line", str(scenario.line))
            if (record := when.get((case.get("file"), scenario.line))) is not None:
                _add_properties(case, record)
        _mark_undefined(case)
    target = path
    if feature is not None:
        relative = _relative(feature.filename, base)
        suite.set("name", f"{stable_name(relative)[6:-4]}.{(feature.name or '').strip()}")
        for case in suite.iter("testcase"):
            case.set("classname", suite.get("name", ""))
        target = path.with_name(stable_name(relative))
    tree.write(target, encoding="UTF-8", xml_declaration=True)
    if target != path:
        path.unlink()


def _add_properties(case: ElementTree.Element, record: Any) -> None:
    properties = ElementTree.Element("properties")
    values = {"worker": record.worker or "main"}
    if record.started:
        values["started"] = _iso(record.started)
        values["ended"] = _iso(record.ended)
    for name, value in values.items():
        ElementTree.SubElement(properties, "property", name=name, value=value)
    case.insert(0, properties)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def _feature_of(path: Path, suite: ElementTree.Element, features: list[Any]) -> Any | None:
    """The feature behave wrote `path` for: its file name is TESTS-<the feature file's
    path, relative to the paths behave was given, in dots>.xml, and the suite's name is
    that stem, a dot and the feature's name."""
    stem = path.name[len("TESTS-") : -len(".xml")]
    for feature in features:
        dotted = os.path.splitext(str(feature.filename))[0].replace("\\", "/").replace("/", ".")
        if not (dotted == stem or dotted.endswith("." + stem)):
            continue
        if (suite.get("name") or "").strip() == f"{stem}.{feature.name or stem}".strip():
            return feature
    return None


def _take(scenarios: list[Any], name: str) -> Any | None:
    """The first scenario so named (behave writes them in order), removed from the list."""
    for index, scenario in enumerate(scenarios):
        if (scenario.name or "").strip() == name.strip():
            return scenarios.pop(index)
    return None


def _mark_undefined(case: ElementTree.Element) -> None:
    for problem in [*case.findall("error"), *case.findall("failure")]:
        match = _UNDEFINED.search(problem.text or "")
        if problem.get("type") != "NoneType" or match is None:
            continue
        problem.set("type", "undefined")
        problem.set("message", f"undefined step: {match.group('step')}")
        text = problem.text or ""
        if text.rstrip().endswith("None"):
            text = text.rstrip()[: -len("None")]
        problem.text = text + "No step definition matches this step.\n"
        case.set("status", "undefined")


def _relative(filename: str, base: Path) -> str:
    """The feature file's path relative to `base` when it lies below it (behave keeps
    paths relative to the working directory)."""
    path = Path(os.path.abspath(filename))
    try:
        return path.relative_to(os.path.abspath(base)).as_posix()
    except ValueError:
        return Path(filename).as_posix()
