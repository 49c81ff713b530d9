"""How a mutant's scenarios are chosen from the coverage map (mutation/covering.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mutation"))

from covering import OUTSIDE, Change, by_leg, changes, leg_of, ordered, select

MODULE = """\
LIMIT = 5


def last_line(text, limit=4096):
    if len(text) > LIMIT:
        return text[-limit:]
    return text


class Box:
    size: int = 3

    def grow(self):
        return self.size + 1
"""
USER = """\
from .module import LIMIT, Box


def use():
    return Box().size * LIMIT
"""
SOURCES = {"pkg/module.py": MODULE, "pkg/user.py": USER}
SCENARIOS = ["a.feature:1", "b.feature:2", "c.feature:3", "d.feature:4"]


def coverage_map(module_lines, user_lines=None, seconds=(4.0, 2.0, 3.0, 1.0)):
    files = {"pkg/module.py": {str(k): v for k, v in module_lines.items()}}
    files["pkg/user.py"] = {str(k): v for k, v in (user_lines or {}).items()}
    return {"scenarios": SCENARIOS, "seconds": list(seconds), "files": files}


def chosen(coverage_map, line):
    change = Change("pkg/module.py", line, line)
    return select(coverage_map, change, SOURCES.__getitem__).locations


def test_the_changed_lines_are_read_from_a_diff_without_context():
    diff = (
        "diff --git a/pkg/module.py b/pkg/module.py\n--- a/pkg/module.py\n+++ b/pkg/module.py\n"
        "@@ -5 +5 @@ def last_line(text, limit=4096):\n-    if len(text) > LIMIT:\n"
        "+    if len(text) < LIMIT:\n@@ -12,2 +12,2 @@\n"
    )
    assert changes(diff) == [Change("pkg/module.py", 5, 5), Change("pkg/module.py", 12, 13)]


def test_a_line_in_a_function_gets_the_scenarios_that_ran_it():
    assert chosen(coverage_map({5: [0, 2], 6: [1]}), 5) == ["a.feature:1", "c.feature:3"]


def test_a_line_no_scenario_ran_gets_none():
    assert chosen(coverage_map({5: [0]}), 7) == []


def test_a_constant_gets_the_scenarios_that_ran_a_line_naming_it_in_any_module():
    lines = {1: [OUTSIDE], 5: [0]}
    assert chosen(coverage_map(lines, {5: [3]}), 1) == ["a.feature:1", "d.feature:4"]


def test_a_constant_gets_the_cheapest_scenario_that_imported_it_too():
    lines = {1: [OUTSIDE, 0, 1, 2], 5: [0]}  # b is the cheapest of those that imported it
    assert chosen(coverage_map(lines), 1) == ["a.feature:1", "b.feature:2"]


def test_a_default_gets_the_scenarios_that_ran_the_function_or_called_it():
    assert chosen(coverage_map({4: [OUTSIDE], 6: [1], 7: [2]}), 4) == ["b.feature:2", "c.feature:3"]


def test_a_class_attribute_gets_the_scenarios_that_ran_a_line_naming_it():
    lines = {11: [OUTSIDE], 14: [0]}
    assert chosen(coverage_map(lines, {5: [2]}), 11) == ["a.feature:1", "c.feature:3"]


def test_a_line_run_only_by_the_hooks_gets_the_cheapest_scenario():
    assert chosen(coverage_map({6: [OUTSIDE]}), 6) == ["d.feature:4"]


def test_the_cheapest_scenarios_take_turns_with_those_most_about_the_file():
    lines = {5: [0, 1, 2, 3], 6: [2], 7: [2]}
    coverage_map_ = coverage_map(lines, {5: [0, 1, 3], 8: [0, 1, 3]}, [1, 2, 30, 3])
    # a and b are the cheapest; c runs only lines of the mutant's file
    order = ordered(coverage_map_, "pkg/module.py", SCENARIOS)
    assert order == ["a.feature:1", "c.feature:3", "b.feature:2", "d.feature:4"]


def test_a_location_names_its_leg_and_docker_is_the_leg_of_a_plain_one():
    assert leg_of("podman@features/a.feature:12") == ("podman", "features/a.feature:12")
    assert leg_of("features/a.feature:12") == ("docker", "features/a.feature:12")


def test_a_scenario_runs_on_the_first_leg_that_ran_the_lines_only():
    found = by_leg(["podman@a.feature:1", "swarm@b.feature:2", "b.feature:2", "podman@c.feature:3"])
    assert found == [("docker", ["b.feature:2"]), ("podman", ["a.feature:1", "c.feature:3"])]


def test_the_swarm_backend_runs_before_podman():
    found = by_leg(["podman@a.feature:1", "swarm@a.feature:1", "podman@b.feature:2"])
    assert found == [("swarm", ["a.feature:1"]), ("podman", ["b.feature:2"])]
