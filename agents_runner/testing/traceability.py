"""The traceability matrix: each clause of docs/CONTRACT.md, the scenarios tagged with
its id, and how each of them last went on each engine (from the JUnit files the suite
writes under reports/junit*/).

`python -m agents_runner.testing.traceability` writes reports/traceability.md and exits
1 when there is a problem: a clause that no scenario proves and that is not marked
"not testable here", a scenario that names no clause, a tag that names no clause."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from behave.parser import ParserError, parse_file

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "CONTRACT.md"
FEATURES = ROOT / "features"
REPORTS = ROOT / "reports"
MATRIX = REPORTS / "traceability.md"
ENGINE_FOLDERS = {"Docker": "junit", "Podman": "junit-podman", "Swarm backend": "junit-swarm"}

CLAUSE_ID = r"C-[0-9]+a?\.[0-9]+"
_CLAUSE_START = re.compile(rf"\*\*({CLAUSE_ID})\*\*")
_CLAUSE_TAG = re.compile(rf"^{CLAUSE_ID}$")
_NOT_TESTABLE = "(not testable here:"
FIRST_WORDS = 12
NOT_RUN = "not run"

# engine -> {(feature file, line): status}; an outline's rows each have their own line
Results = Mapping[str, Mapping[tuple[str, int], str]]


@dataclass(frozen=True)
class Clause:
    id: str
    text: str  # the clause's words, markdown marks removed
    not_testable: str | None = None  # the reason, when marked "not testable here"

    def first_words(self, count: int = FIRST_WORDS) -> str:
        words = self.text.split()
        return " ".join(words[:count]) + (" …" if len(words) > count else "")


@dataclass(frozen=True)
class Scenario:
    file: str  # relative to the repository, as JUnit and the evidence report write it
    line: int
    name: str
    clauses: tuple[str, ...]
    lines: frozenset[int]  # its own line and, for an outline, each row's

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


class TraceabilityError(Exception):
    """A file the matrix needs cannot be read; the message is one line."""


def clauses_in_markdown(text: str) -> list[Clause]:
    """Each clause whose id is written in bold (**C-2.4**), in the document's order,
    with its words (to the end of its table row, or of its paragraph, bullet or block,
    or to the next clause) and its not-testable reason."""
    starts = list(_CLAUSE_START.finditer(text))
    clauses = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[match.end() : end].lstrip(" ")
        reason = None
        if body.startswith(_NOT_TESTABLE):
            reason, body = _parenthesised(body)
        in_table_row = text[text.rfind("\n", 0, match.start()) + 1 :].startswith("|")
        body = body.split("\n")[0] if in_table_row else body.lstrip().split("\n\n")[0]
        body = re.sub(r"\n\s*-\s*$", "", body)  # the next bullet's dash
        clauses.append(Clause(match.group(1), _plain(body), reason))
    return clauses


def _parenthesised(text: str) -> tuple[str, str]:
    """("(not testable here: why (so)) rest") -> ("why (so)", "rest")"""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            inner = text[len(_NOT_TESTABLE) : index]
            return " ".join(inner.split()), text[index + 1 :]
    raise TraceabilityError(f"unclosed {_NOT_TESTABLE!r}: {' '.join(text.split()[:8])} …")


def _plain(markdown: str) -> str:
    text = markdown.replace("**", "").replace("`", "").replace("\\|", "\0")
    text = re.sub(r"\s*\|\s*", " | ", text.strip().strip("|"))
    return " ".join(text.split()).strip(" |").replace("\0", "|")


def read_clauses(path: Path = CONTRACT) -> list[Clause]:
    try:
        return clauses_in_markdown(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TraceabilityError(f"cannot read {path}: {exc.strerror or exc}") from None


def scenarios_in_feature(path: Path, base: Path = ROOT) -> list[Scenario]:
    """Each scenario and scenario outline of a feature file (inside its rules too),
    with the clause ids among its tags, its feature's and its rule's."""
    try:
        feature = parse_file(str(path))
    except (OSError, ParserError) as exc:
        raise TraceabilityError(f"cannot parse {path}: {_one_line(exc)}") from None
    if feature is None:
        return []
    file = _relative(path, base)
    found = []
    elements = [(None, s) for s in feature.scenarios]
    elements += [(rule, s) for rule in feature.rules for s in rule.scenarios]
    for rule, scenario in elements:
        tags = [*feature.tags, *(rule.tags if rule is not None else []), *scenario.tags]
        rows = frozenset(row.line for row in getattr(scenario, "scenarios", []))
        clauses = tuple(dict.fromkeys(str(tag) for tag in tags if _CLAUSE_TAG.match(str(tag))))
        found.append(Scenario(file, scenario.line, scenario.name, clauses, rows | {scenario.line}))
    return sorted(found, key=lambda s: s.line)


def read_scenarios(folder: Path = FEATURES, base: Path = ROOT) -> list[Scenario]:
    return [
        s for path in sorted(folder.glob("*.feature")) for s in scenarios_in_feature(path, base)
    ]


def clause_like_tags(folder: Path = FEATURES) -> dict[str, list[str]]:
    """Tags that look like a clause id but are mistyped (c-2.4, C-2-4, C2.4), by location:
    behave would take them for ordinary tags and the scenario would look untraced."""
    odd = re.compile(r"^[Cc]-?[0-9]+a?[.-][0-9]+$")
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.feature")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip().startswith("@"):
                continue
            for tag in line.split():
                name = tag.lstrip("@")
                if odd.match(name) and not _CLAUSE_TAG.match(name):
                    found.setdefault(f"{_relative(path, ROOT)}:{number}", []).append(tag)
    return found


def results_in_junit(folder: Path, base: Path = ROOT) -> dict[tuple[str, int], str]:
    """{(file, line): passed | failed | skipped} of each testcase in the folder's files
    (junit.py gives each testcase its `file` and `line`)."""
    results: dict[tuple[str, int], str] = {}
    for path in sorted(folder.glob("TESTS-*.xml")):
        try:
            suite = ElementTree.parse(path).getroot()
        except (OSError, ElementTree.ParseError):
            continue  # not one the suite wrote whole: its scenarios count as not run
        for case in suite.iter("testcase"):
            file, line = case.get("file"), case.get("line")
            if not file or not (line or "").isdigit():
                continue
            if case.find("failure") is not None or case.find("error") is not None:
                status = "failed"
            elif case.find("skipped") is not None:
                status = "skipped"
            else:
                status = "passed"
            results[(file, int(line or 0))] = status
    return results


def read_results(reports: Path = REPORTS) -> dict[str, dict[tuple[str, int], str]]:
    """{engine: results} from each engine's JUnit folder (.ci/run writes both); an
    engine whose folder is missing has no results: its scenarios were not run."""
    return {engine: results_in_junit(reports / folder) for engine, folder in ENGINE_FOLDERS.items()}


def last_written(folder: Path) -> str:
    """When the folder's newest JUnit file was written (UTC), for the matrix's header."""
    times = [path.stat().st_mtime for path in folder.glob("TESTS-*.xml")]
    if not times:
        return "no results yet"
    return "written " + datetime.fromtimestamp(max(times), UTC).strftime("%Y-%m-%d %H:%M UTC")


def result_of(scenario: Scenario, results: Mapping[tuple[str, int], str]) -> str:
    """passed, failed, skipped or not run; an outline's rows are summed up."""
    statuses = [
        results[(scenario.file, line)]
        for line in sorted(scenario.lines)
        if (scenario.file, line) in results
    ]
    if not statuses:
        return NOT_RUN
    if "failed" in statuses:
        return "failed"
    if len(set(statuses)) == 1:
        return statuses[0]
    counts = {s: statuses.count(s) for s in dict.fromkeys(statuses)}
    return ", ".join(f"{n} {s}" for s, n in counts.items())


def problems(clauses: list[Clause], scenarios: list[Scenario]) -> list[str]:
    """One line per problem, in the document's and then the features' order."""
    found = []
    known: dict[str, Clause] = {}
    for clause in clauses:
        if clause.id in known:
            found.append(f"{clause.id}: the contract gives this id to two clauses")
        known.setdefault(clause.id, clause)
    proven = {clause_id for s in scenarios for clause_id in s.clauses}
    for clause in known.values():
        if clause.id not in proven and clause.not_testable is None:
            found.append(
                f"{clause.id}: no scenario proves it, and it is not marked not testable here "
                f"({clause.first_words(8)})"
            )
        if clause.id in proven and clause.not_testable is not None:
            found.append(f"{clause.id}: marked not testable here, yet scenarios are tagged with it")
    for scenario in scenarios:
        if not scenario.clauses:
            found.append(f"{scenario.location}: scenario names no clause: {scenario.name}")
        for clause_id in scenario.clauses:
            if clause_id not in known:
                found.append(
                    f"{scenario.location}: tag @{clause_id} names no clause of the contract"
                )
    return found


def matrix_rows(
    clauses: list[Clause], scenarios: list[Scenario]
) -> list[tuple[Clause, list[Scenario]]]:
    """Each clause with the scenarios tagged with it, in the features' order."""
    return [(clause, [s for s in scenarios if clause.id in s.clauses]) for clause in clauses]


def markdown(
    clauses: list[Clause], scenarios: list[Scenario], results: Results, found: Iterable[str]
) -> str:
    engines = list(results)
    lines = [
        "# Traceability: the contract's clauses and the scenarios that prove them",
        "",
        "Written by `python -m agents_runner.testing.traceability` from docs/CONTRACT.md, "
        "the clause tags in features/ and the last JUnit results: "
        + ", ".join(
            f"{engine} from reports/{ENGINE_FOLDERS.get(engine, engine)}/ "
            f"({last_written(REPORTS / ENGINE_FOLDERS.get(engine, engine))})"
            for engine in engines
        )
        + ".",
        "",
        "| clause | says | scenario | " + " | ".join(engines) + (" |" if engines else ""),
        "|---|---|---|" + "---|" * len(engines),
    ]
    for clause, proving in matrix_rows(clauses, scenarios):
        if not proving:
            what = "not testable here" if clause.not_testable else "**no scenario**"
            lines.append(
                f"| {clause.id} | {_cell(clause.first_words())} | {what} |" + " |" * len(engines)
            )
        for index, scenario in enumerate(proving):
            head = f"| {clause.id} | {_cell(clause.first_words())} |" if index == 0 else "| | |"
            cells = [result_of(scenario, results[e]) for e in engines]
            lines.append(
                f"{head} {scenario.location} {_cell(scenario.name)} | "
                + " | ".join(cells)
                + (" |" if cells else "")
            )
    lines += ["", "## Not testable here", ""]
    marked = [c for c in clauses if c.not_testable]
    lines += [f"- **{c.id}** ({c.first_words()}): {c.not_testable}" for c in marked] or ["None."]
    lines += ["", "## Problems", ""]
    lines += [f"- {problem}" for problem in found] or ["None."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _relative(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def write_matrix(target: Path = MATRIX) -> list[str]:
    """Write the matrix to `target`; returns the problems it lists."""
    clauses, scenarios = read_clauses(), read_scenarios()
    found = problems(clauses, scenarios)
    found += [
        f"{where}: tag {' '.join(tags)} looks like a clause id but is not one"
        for where, tags in clause_like_tags().items()
    ]
    text = markdown(clauses, scenarios, read_results(), found)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TraceabilityError(f"cannot write {target}: {exc.strerror or exc}") from None
    return found


def main() -> int:
    try:
        found = write_matrix()
    except TraceabilityError as exc:
        print(f"traceability: error: {exc}", file=sys.stderr)
        return 2
    for problem in found:
        print(f"traceability: {problem}")
    print(f"traceability: matrix written to {_relative(MATRIX, ROOT)}, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
