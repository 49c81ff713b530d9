"""Which scenarios can kill a mutant: those that ran its statement in the coverage map.

A mutant changes one statement. The scenarios that ran any line of it (in any process)
are the ones whose outcome it can change, with two refinements:

- a statement that runs when its module is imported (a constant, a function's defaults or
  decorators, a class body) runs in the behave process before any scenario, or at the
  start of every command line: its own lines say nothing of who uses it. Its scenarios
  are then those that ran a line naming what it defines (`LIMIT` in `LIMIT = 5`,
  `last_line` and its body for `def last_line(limit=4096)`), in any module of the map,
  and the cheapest that imported it (a mutant may break the import itself); a statement
  that defines no name (an `if` at module level) gets every scenario that ran a line of
  its file.
- a line that ran only outside any scenario (before_all: the engine check, the reaper)
  runs in every behave process: any one scenario's run runs it, so the cheapest is taken.

The map is `reports/mutation/coverage-map.json` (mutation/coverage_map.py): for each file,
line -> indices into its list of scenarios, -1 for "outside any scenario". The map may
cover several legs, as CI runs them: Docker's run (a scenario by its location), Podman's
and the Swarm backend's (`podman@features/x.feature:12`). A mutant runs a scenario once, on
the first leg (in LEGS' order) that ran its lines there: the same scenario on a later leg
runs the same steps, so it is run again only where it reached the mutant's lines on that
leg alone (Podman's gaps, the Swarm backend's own code).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass

OUTSIDE = -1  # the map's index for lines run outside any scenario
LEGS = ("docker", "swarm", "podman")  # the order a mutant's legs run in
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


@dataclass(frozen=True)
class Change:
    path: str  # relative to the repository, as in the map
    first: int  # lines of the original file
    last: int


@dataclass(frozen=True)
class Selection:
    locations: list[str]
    why: str


def changes(diff: str) -> list[Change]:
    """The changed line ranges of the original files in a `git diff -U0`."""
    found = []
    path = ""
    for line in diff.splitlines():
        if line.startswith("--- "):
            path = line[6:] if line.startswith("--- a/") else ""
        elif (match := _HUNK.match(line)) and path:
            first, count = int(match[1]), int(match[2] or "1")
            found.append(Change(path, max(first, 1), max(first, 1) + max(count, 1) - 1))
    return found


def _statement(tree: ast.Module, line: int) -> tuple[ast.stmt | None, bool, tuple[int, int]]:
    """The innermost statement holding `line`, whether it runs at import (outside any
    function), and the lines of it that run as one: a compound statement's header only."""
    body: list[ast.stmt] = tree.body
    found: ast.stmt | None = None
    at_import = True
    while True:
        node = next((s for s in body if _first(s) <= line <= (s.end_lineno or s.lineno)), None)
        if node is None:  # between the statements of a block: an `except` or `else` line
            return found, at_import, (line, line)
        blocks = _blocks(node)
        inner = min((_first(block[0]) for block in blocks), default=None)
        if inner is None or line < inner:
            return node, at_import, (_first(node), inner - 1 if inner else node.end_lineno or line)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            at_import = False
        found = node
        body = [s for block in blocks for s in block]


def _first(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _blocks(node: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(node, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(node, "handlers", [])]
    blocks += [case.body for case in getattr(node, "cases", [])]
    return [block for block in blocks if isinstance(block, list) and block]


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names = set()
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, ast.Name):
                names.add(part.id)
            elif isinstance(part, ast.Attribute):
                names.add(part.attr)
    return names


def _names_by_line(source: str) -> dict[int, set[str]]:
    lines: dict[int, set[str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME:
            lines.setdefault(token.start[0], set()).add(token.string)
    return lines


def _indices(lines: dict[str, list[int]], numbers: Iterable[int]) -> set[int]:
    return {i for n in numbers for i in lines.get(str(n), [])}


def select(coverage_map: dict, change: Change, source: Callable[[str], str]) -> Selection:
    """The scenarios to run for the mutant that made `change`; `source` reads a mapped
    file as it was before the mutant."""
    scenarios: list[str] = coverage_map["scenarios"]
    seconds: list[float] = coverage_map.get("seconds") or [0.0] * len(scenarios)
    files: dict[str, dict[str, list[int]]] = coverage_map["files"]
    lines = files.get(change.path, {})
    tree = ast.parse(source(change.path))
    node, at_import, span = _statement(tree, change.first)
    first, last = min(span[0], change.first), max(span[1], change.last)
    ran = _indices(lines, range(first, last + 1))
    chosen = set(ran)
    why = f"lines {first}-{last} of {change.path}"
    names = _defined(node) if node is not None and at_import else set()
    if names:
        # It ran at every import of its module; what it defines is used elsewhere. One
        # scenario that imported it, for a mutant that breaks the import itself.
        chosen = set(_cheapest(ran - {OUTSIDE}, seconds))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            chosen |= _indices(lines, range(node.body[0].lineno, (node.end_lineno or 0) + 1))
        why += f", run at import: the lines that name {', '.join(sorted(names))}"
        for path, covered in files.items():
            for number, used in _names_by_line(source(path)).items():
                if used & names and not (path == change.path and first <= number <= last):
                    chosen |= set(covered.get(str(number), []))
    elif node is not None and at_import:
        why += ", run at import: every scenario that ran a line of the file"
        chosen |= {i for covered in lines.values() for i in covered}
    chosen -= {OUTSIDE}
    if not chosen and OUTSIDE in ran and scenarios:
        chosen = set(_cheapest(range(len(scenarios)), seconds))
        why += ", run only outside the scenarios (the behave hooks): the cheapest scenario"
    return Selection(sorted(scenarios[i] for i in chosen), why)


def _cheapest(indices: Iterable[int], seconds: list[float]) -> list[int]:
    return sorted(indices, key=lambda i: (seconds[i], i))[:1]


def ordered(coverage_map: dict, path: str, locations: list[str]) -> list[str]:
    """The order to start a mutant's scenarios in: the cheapest first, taken in turn with
    those that spend the largest share of what they run in the mutant's file (a scenario
    about that module is the likeliest to notice a change in it)."""
    scenarios: list[str] = coverage_map["scenarios"]
    seconds = dict(zip(scenarios, coverage_map["seconds"], strict=True))
    everywhere: dict[int, int] = {}
    for lines in coverage_map["files"].values():
        for covered in lines.values():
            for index in covered:
                everywhere[index] = everywhere.get(index, 0) + 1
    here: dict[int, int] = {}
    for covered in coverage_map["files"].get(path, {}).values():
        for index in covered:
            here[index] = here.get(index, 0) + 1
    index = {name: i for i, name in enumerate(scenarios)}

    def share(location: str) -> float:
        i = index.get(location, OUTSIDE)
        return here.get(i, 0) / everywhere[i] if everywhere.get(i) else 0.0

    cheapest = sorted(locations, key=lambda s: (seconds.get(s, 5.0), s))
    closest = sorted(locations, key=lambda s: (-share(s), seconds.get(s, 5.0), s))
    order: dict[str, None] = {}
    for pair in zip(cheapest, closest, strict=True):
        order.update(dict.fromkeys(pair))
    return list(order)


def leg_of(location: str) -> tuple[str, str]:
    """The leg and the plain location of a map's scenario: `podman@a.feature:3` is
    ("podman", "a.feature:3"); a location with no leg is Docker's."""
    leg, _, plain = location.rpartition("@")
    return leg or "docker", plain


def on_leg(leg: str, location: str) -> str:
    return location if leg == "docker" else f"{leg}@{location}"


def by_leg(locations: Iterable[str]) -> list[tuple[str, list[str]]]:
    """A mutant's scenarios grouped by leg, in LEGS' order, each scenario on the first leg
    that ran the mutant's lines only."""
    groups: dict[str, list[str]] = {leg: [] for leg in LEGS}
    for location in locations:
        leg, plain = leg_of(location)
        groups.setdefault(leg, []).append(plain)
    taken: set[str] = set()
    found = []
    for leg, plains in groups.items():
        fresh = [plain for plain in plains if plain not in taken]
        taken.update(fresh)
        if fresh:
            found.append((leg, fresh))
    return found
