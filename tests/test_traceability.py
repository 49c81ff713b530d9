"""The traceability matrix: the contract's clauses, the scenarios' clause tags, the last
results. The first test reads the real files, so CI fails on an untraced clause or
scenario, or on a tag that names no clause."""

import subprocess
import sys
from pathlib import Path

from agents_runner.testing.traceability import (
    Clause,
    clauses_in_markdown,
    markdown,
    problems,
    read_clauses,
    read_scenarios,
    result_of,
    results_in_junit,
    scenarios_in_feature,
)

CONTRACT = """\
# A contract

**Clauses.** Ids are written like `C-1.1` (not bold here, so not a clause).

## 1. States

| state | meaning |
|---|---|
| **C-1.1** `queued` | waiting \\| for a slot |
| **C-1.2** (not testable here: it needs two machines (at least)) `moved` | shared |

- **C-1.3** A request on a terminal task
  changes nothing.
- **C-1.4** A deadline counts. **C-1.5** Signals come in order.

## 4a. The queue

**C-4a.1**

    queue/lock   the flock
"""

FEATURE = """\
@C-1.1
Feature: Probe
  Scenario: Tagged by its feature only
    Given a step

  @C-1.3 @serial
  Scenario Outline: Row <n>
    Given a step
    Examples:
      | n |
      | 1 |
      | 2 |

  Rule: Signals
    @C-1.5 @C-9.9
    Scenario: In a rule
      Given a step
"""

UNTAGGED = """\
Feature: Bare
  Scenario: Names no clause
    Given a step
"""

JUNIT = """\
<?xml version='1.0' encoding='UTF-8'?>
<testsuite name="probe">
  <testcase name="Tagged by its feature only" file="features/probe.feature" line="3"/>
  <testcase name="Row 1" file="features/probe.feature" line="11"><failure message="x"/></testcase>
  <testcase name="Row 2" file="features/probe.feature" line="12"/>
  <testcase name="In a rule" file="features/probe.feature" line="16"><skipped/></testcase>
</testsuite>
"""


def test_every_clause_and_every_scenario_of_the_repository_is_traced():
    found = problems(read_clauses(), read_scenarios())
    assert found == [], "\n".join(found)


def test_clauses_are_read_with_their_words_and_not_testable_reasons():
    clauses = {c.id: c for c in clauses_in_markdown(CONTRACT)}
    assert list(clauses) == ["C-1.1", "C-1.2", "C-1.3", "C-1.4", "C-1.5", "C-4a.1"]
    assert clauses["C-1.1"] == Clause("C-1.1", "queued | waiting | for a slot")
    assert clauses["C-1.2"].not_testable == "it needs two machines (at least)"
    assert clauses["C-1.2"].text == "moved | shared"
    assert clauses["C-1.3"].text == "A request on a terminal task changes nothing."
    assert clauses["C-1.4"].text == "A deadline counts."
    assert clauses["C-4a.1"].text == "queue/lock the flock"
    assert clauses["C-1.3"].first_words(3) == "A request on …"


def test_scenarios_carry_their_own_their_rules_and_their_features_clause_tags(tmp_path):
    path = tmp_path / "features" / "probe.feature"
    path.parent.mkdir()
    path.write_text(FEATURE)
    scenarios = scenarios_in_feature(path, base=tmp_path)
    assert [(s.location, s.clauses) for s in scenarios] == [
        ("features/probe.feature:3", ("C-1.1",)),
        ("features/probe.feature:7", ("C-1.1", "C-1.3")),
        ("features/probe.feature:16", ("C-1.1", "C-1.5", "C-9.9")),
    ]
    assert scenarios[1].lines == {7, 11, 12}


def test_problems_name_untraced_clauses_untagged_scenarios_and_unknown_tags(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "probe.feature").write_text(FEATURE)
    (tmp_path / "features" / "bare.feature").write_text(UNTAGGED)
    scenarios = read_scenarios(tmp_path / "features", base=tmp_path)
    found = problems(clauses_in_markdown(CONTRACT), scenarios)
    assert [line.split(":")[0] for line in found[:3]] == [
        "C-1.4",
        "C-4a.1",
        "features/bare.feature",
    ]
    assert "no scenario proves it" in found[0]
    assert "names no clause: Names no clause" in found[2]
    assert found[3] == "features/probe.feature:16: tag @C-9.9 names no clause of the contract"
    assert len(found) == 4  # C-1.2 is marked not testable here


def test_results_per_scenario_from_junit_an_outline_summed_up(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "probe.feature").write_text(FEATURE)
    junit = tmp_path / "reports" / "junit"
    junit.mkdir(parents=True)
    (junit / "TESTS-features.probe.xml").write_text(JUNIT)
    (junit / "TESTS-broken.xml").write_text("<testsuite")
    results = results_in_junit(junit)
    first, outline, in_rule = read_scenarios(tmp_path / "features", base=tmp_path)
    assert result_of(first, results) == "passed"
    assert result_of(outline, results) == "failed"
    assert result_of(in_rule, results) == "skipped"
    assert result_of(in_rule, {}) == "not run"


def test_markdown_lists_each_clause_its_scenarios_and_the_not_testable_ones(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "probe.feature").write_text(FEATURE)
    clauses = clauses_in_markdown(CONTRACT)
    scenarios = read_scenarios(tmp_path / "features", base=tmp_path)
    results = {"Docker": {("features/probe.feature", 3): "passed"}, "Podman": {}}
    text = markdown(clauses, scenarios, results, ["a problem"])
    assert (
        "| C-1.1 | queued \\| waiting \\| for a slot | features/probe.feature:3 "
        "Tagged by its feature only | passed | not run |" in text
    )
    assert "| C-1.4 | A deadline counts. | **no scenario** | | |" in text
    assert "- **C-1.2** (moved | shared): it needs two machines (at least)" in text
    assert text.rstrip().endswith("- a problem")


def test_the_module_says_each_problem_in_one_line_and_exits_1_or_0():
    done = subprocess.run(
        [sys.executable, "-m", "agents_runner.testing.traceability"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("traceability: matrix written to reports/traceability.md")
    assert done.returncode == (1 if len(lines) > 1 else 0)


def test_the_evidence_report_holds_the_matrix_with_this_runs_results():
    from agents_runner.testing.evidence import ScenarioRecord, render
    from agents_runner.testing.evidence_traceability import results_of_run

    ran = ScenarioRecord("Complete", "The echo agent", "passed", 1.0, file="x.feature", line=7)
    broke = ScenarioRecord("Complete", "Another", "error", 1.0, file="x.feature", line=9)
    assert results_of_run([ran, broke]) == {("x.feature", 7): "passed", ("x.feature", 9): "failed"}
    page = render([ran])
    assert "<h2>Traceability</h2>" in page
    assert "<td>C-1.1</td>" in page
    assert "not testable here: it says what the queue does not promise" in page
