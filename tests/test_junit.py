"""The JUnit files behave really writes, before and after `polish`."""

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from behave.parser import parse_file

from agents_runner.testing.junit import clear_stale, polish

FEATURE = """\
Feature: Probe
  Scenario: All defined
    Given a step that passes

  Scenario: One undefined
    Given a step that passes
    Then a sentence nobody defined

  Scenario Outline: Row <n>
    Given a step that passes
    Examples:
      | n |
      | 1 |
      | 2 |
"""
STEPS = """\
from behave import given

@given("a step that passes")
def passes(context):
    pass
"""


def run_behave(root: Path) -> Path:
    (root / "features" / "steps").mkdir(parents=True)
    (root / "features" / "probe.feature").write_text(FEATURE)
    (root / "features" / "steps" / "probe_steps.py").write_text(STEPS)
    reports = root / "junit"
    subprocess.run(
        [sys.executable, "-m", "behave", "--junit", "--junit-directory", str(reports),
         "-f", "null", "--no-capture", "features"],
        cwd=root, capture_output=True, check=False,
    )  # fmt: skip
    return reports


def cases(path: Path) -> dict[str, ElementTree.Element]:
    return {case.get("name"): case for case in ElementTree.parse(path).getroot().iter("testcase")}


def test_behave_alone_has_the_faults_polish_removes(tmp_path):
    reports = run_behave(tmp_path)
    raw = cases(reports / "TESTS-probe.xml")
    assert "Row 1 -- @1.1 " in raw
    assert raw["One undefined"].find("error").get("type") == "NoneType"
    assert "file" not in raw["All defined"].attrib


def test_polish_adds_file_and_line_trims_names_and_names_undefined_steps(tmp_path):
    reports = run_behave(tmp_path)
    feature = parse_file(str(tmp_path / "features" / "probe.feature"))
    polish(reports, [feature], base=tmp_path)
    assert [p.name for p in reports.iterdir()] == ["TESTS-features.probe.xml"]
    polished = cases(reports / "TESTS-features.probe.xml")
    assert sorted(polished) == ["All defined", "One undefined", "Row 1 -- @1.1", "Row 2 -- @1.2"]
    assert polished["All defined"].get("file") == "features/probe.feature"
    assert polished["All defined"].get("line") == "2"
    assert polished["One undefined"].get("line") == "5"
    assert polished["Row 1 -- @1.1"].get("line") == "13"
    assert polished["Row 2 -- @1.2"].get("line") == "14"
    error = polished["One undefined"].find("error")
    assert error.get("type") == "undefined"
    assert error.get("message") == "undefined step: Then a sentence nobody defined"
    assert "None" not in error.text
    assert polished["One undefined"].get("status") == "undefined"
    assert polished["All defined"].find("error") is None


def test_polish_leaves_files_it_cannot_place_readable(tmp_path):
    other = '<testsuite name="x "><testcase name="y "/></testsuite>'
    (tmp_path / "TESTS-other.xml").write_text(other)
    (tmp_path / "TESTS-broken.xml").write_text("<testsuite")
    polish(tmp_path, [])
    case = ElementTree.parse(tmp_path / "TESTS-other.xml").getroot().find("testcase")
    assert case.get("name") == "y" and "line" not in case.attrib
    assert (tmp_path / "TESTS-broken.xml").read_text() == "<testsuite"


def test_clear_stale_removes_only_junit_files(tmp_path):
    (tmp_path / "TESTS-old.xml").write_text("<testsuite/>")
    (tmp_path / "notes.txt").write_text("keep")
    assert clear_stale(tmp_path) == [tmp_path / "TESTS-old.xml"]
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert clear_stale(tmp_path / "missing") == []


def test_a_feature_that_cannot_be_read_leaves_the_file_as_behave_wrote_it(tmp_path, capsys):
    original = '<testsuite name="x.F"><testcase name="y "/></testsuite>'
    (tmp_path / "TESTS-x.xml").write_text(original)

    class Unreadable:
        filename = "features/x.feature"
        name = "F"

        def walk_scenarios(self):
            raise RuntimeError("cannot walk")

    polish(tmp_path, [Unreadable()])
    assert (tmp_path / "TESTS-x.xml").read_text() == original
    assert "left as behave wrote it" in capsys.readouterr().err
