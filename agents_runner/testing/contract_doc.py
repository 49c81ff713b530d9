"""The transition table as docs/CONTRACT.md writes it, read from the Markdown."""

from __future__ import annotations

from pathlib import Path

CONTRACT_DOC = Path(__file__).resolve().parents[2] / "docs" / "CONTRACT.md"
TABLE_HEADER = ("source state", "allowed targets")
NO_TARGETS = "none"

Transitions = dict[str, frozenset[str]]


def parse_targets(cell: str) -> frozenset[str]:
    """`pulling`, `starting` (or plain names, or "none") -> {"pulling", "starting"}."""
    text = cell.replace("`", "").strip()
    if text == NO_TARGETS:
        return frozenset()
    return frozenset(name.strip() for name in text.split(",") if name.strip())


def transitions_in_markdown(text: str) -> Transitions:
    """The rows of the first table headed | source state | allowed targets |.
    A source listed twice is an error: the document must say it once."""
    table: Transitions = {}
    inside = False
    for line in text.splitlines():
        cells = _cells(line)
        if not inside:
            inside = cells is not None and tuple(c.lower() for c in cells) == TABLE_HEADER
            continue
        if cells is None:
            break
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the |---|---| line
        if len(cells) != 2:
            raise ValueError(f"transition table row {line!r} does not have two cells")
        source = cells[0].replace("`", "").strip()
        if source in table:
            raise ValueError(f"transition table lists {source!r} twice")
        table[source] = parse_targets(cells[1])
    if not inside:
        raise ValueError(f"no table headed | {' | '.join(TABLE_HEADER)} |")
    return table


def documented_transitions(path: Path = CONTRACT_DOC) -> Transitions:
    return transitions_in_markdown(path.read_text(encoding="utf-8"))


def _cells(line: str) -> list[str] | None:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|") and len(line) > 1):
        return None
    return [cell.strip() for cell in line[1:-1].split("|")]


def differences(expected: Transitions, actual: Transitions) -> list[str]:
    """One line per source state whose targets differ, for an assertion message."""
    lines = []
    for source in sorted(set(expected) | set(actual)):
        want, got = expected.get(source), actual.get(source)
        if want != got:
            lines.append(f"{source}: expected {_names(want)}, found {_names(got)}")
    return lines


def _names(targets: frozenset[str] | None) -> str:
    if targets is None:
        return "no row"
    return ", ".join(sorted(targets)) or NO_TARGETS
