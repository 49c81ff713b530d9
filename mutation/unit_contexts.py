"""A pytest plugin for mutation/unit_map.py: every line a test runs, in its fixtures' set-up
and tear-down too, is measured under the test's node id (tests/test_x.py::test_y).

coverage.py's own `dynamic_context = test_function` names only the lines run inside the
test function, so an object a fixture makes (a watcher, a store) was nobody's test, and a
mutant of its constructor ran no unit test at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import coverage
import pytest


def _switch(context: str) -> None:
    current = coverage.Coverage.current()
    if current is not None:
        current.switch_context(context)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _switch(item.nodeid)
    yield
    _switch("")
