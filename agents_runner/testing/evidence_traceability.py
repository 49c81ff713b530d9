"""The evidence report's traceability section: each clause of the contract, the
scenarios that prove it and how each went in this run (traceability.py reads them)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Protocol

from .traceability import (
    NOT_RUN,
    TraceabilityError,
    matrix_rows,
    read_clauses,
    read_scenarios,
    result_of,
)

_FAILED = {"failed", "error", "hook_error", "undefined"}


class _Ran(Protocol):
    file: str
    line: int
    status: str


def results_of_run(records: Iterable[_Ran]) -> dict[tuple[str, int], str]:
    """{(file, line): passed | failed | skipped} of each scenario this run ran."""
    results = {}
    for record in records:
        if record.status in _FAILED:
            results[(record.file, record.line)] = "failed"
        elif record.status in ("passed", "skipped"):
            results[(record.file, record.line)] = record.status
    return results


def section(records: Iterable[_Ran]) -> str:
    """The section's HTML; a line that says why when the matrix cannot be read."""
    try:
        clauses, scenarios = read_clauses(), read_scenarios()
    except TraceabilityError as exc:
        return f"<section><h2>Traceability</h2><p>{html.escape(str(exc))}</p></section>"
    results = results_of_run(records)
    rows = []
    for clause, proving in matrix_rows(clauses, scenarios):
        if clause.not_testable:
            cell = f"not testable here: {html.escape(clause.not_testable)}"
        elif not proving:
            cell = "<strong>no scenario</strong>"
        else:
            cell = "<br>".join(
                f"{html.escape(s.location)} {html.escape(s.name)}: "
                f"<span class=status>{html.escape(result_of(s, results))}</span>"
                for s in proving
            )
        rows.append(
            f"<tr><td>{html.escape(clause.id)}</td><td>{html.escape(clause.first_words())}</td>"
            f"<td>{cell}</td></tr>"
        )
    return (
        "<section><h2>Traceability</h2><p class=meta>Each clause of docs/CONTRACT.md, the "
        f"scenarios tagged with it and their result in this run ({NOT_RUN}: not in this run)."
        "</p><table class=summary><thead><tr><th>Clause</th><th>Says</th><th>Scenarios</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )
