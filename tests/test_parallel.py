"""The parallel run's plan, its workers' summaries and the merge of their reports."""

import json
from pathlib import Path
from xml.etree import ElementTree

from agents_runner.testing.events import ContainerEvent
from agents_runner.testing.evidence import ScenarioRecord, StepRecord, TaskRecord
from agents_runner.testing.parallel import parts
from agents_runner.testing.parallel.__main__ import _share
from agents_runner.testing.parallel.merge import merge_junit, write_durations
from agents_runner.testing.parallel.plan import UNKNOWN_SECONDS, estimates, make_plan
from agents_runner.testing.parallel.workers import Worker
from agents_runner.testing.run_info import RunInfo, ScenarioRef


def scenario(location, *tags):
    return (location, f"scenario at {location}", frozenset(tags))


def test_the_plan_spreads_the_longest_first_and_keeps_serial_ones_apart():
    selected = [scenario(f"features/a.feature:{n}") for n in (1, 2, 3, 4)]
    selected.append(scenario("features/b.feature:9", "serial"))
    known = {"features/a.feature: scenario at features/a.feature:1": 30.0}
    known["features/a.feature: scenario at features/a.feature:2"] = 20.0
    plan = make_plan(selected, 2, known)
    loads = sorted(sum(s.estimate for s in share) for share in plan.shares)
    assert loads == [30.0, 20.0 + 2 * UNKNOWN_SECONDS]  # 30 alone; 20, then both unknowns
    assert [s.location for s in plan.serial] == ["features/b.feature:9"]
    assert sorted(s.location for s in plan.scenarios) == sorted(loc for loc, _, _ in selected)
    for share in plan.shares:  # in the feature files' order within a worker
        lines = [int(s.location.rsplit(":", 1)[1]) for s in share]
        assert lines == sorted(lines)


def test_the_serial_ones_on_the_test_swarm_run_last_in_the_one_serial_behave():
    selected = [scenario("features/a.feature:1")]
    selected.append(scenario("features/b.feature:9", "serial"))
    selected.append(scenario("features/s.feature:3", "serial", "swarm-cluster"))
    selected.append(scenario("features/s.feature:7", "swarm-cluster"))
    groups = make_plan(selected, 2, {}).serial_groups
    locations = {name: [s.location for s in group] for name, group in groups.items()}
    assert locations == {"serial": ["features/b.feature:9", "features/s.feature:3"]}


def test_a_run_that_stops_at_its_first_failure_starts_the_scenarios_in_the_order_given():
    selected = [scenario(f"features/a.feature:{n}") for n in (1, 2, 3, 4, 5)]
    known = {f"features/a.feature: scenario at features/a.feature:{n}": 10.0 - n for n in (1, 2)}
    order = ["features/a.feature:4", "features/a.feature:1"]
    plan = make_plan(selected, 2, known, order=order)
    shares = [[s.location.rsplit(":", 1)[1] for s in share] for share in plan.shares]
    # 4 (unknown: 5 s) and 1 (9 s) start at once; then 3 and 5 (5 s each) before 2 (8 s),
    # each on the worker that frees up first: 3 at 5 s, 5 at 9 s, 2 at 10 s
    assert shares == [["4", "3", "2"], ["1", "5"]]


def test_each_worker_starts_its_files_at_its_own_place_among_them():
    selected = [scenario(f"features/{name}.feature:1") for name in "abcdef"]
    plan = make_plan(selected, 2, {})  # equal estimates: a, c, e and b, d, f
    files = [[s.location.split("/")[1][0] for s in share] for share in plan.shares]
    assert files == [["a", "c", "e"], ["d", "f", "b"]]


def test_a_share_says_how_many_of_its_scenarios_no_run_has_timed(tmp_path):
    selected = [scenario("features/a.feature:1"), scenario("features/a.feature:2")]
    known = {"features/a.feature: scenario at features/a.feature:1": 0.0}  # timed, and quick
    (share,) = make_plan(selected, 1, known).shares
    assert [s.timed for s in share] == [True, False]
    worker = Worker("w1", share, tmp_path / "w1")
    assert _share(worker) == "w1: 2 scenarios (about 5 s; 1 never timed, 5 s each)"
    (timed,) = make_plan(selected[:1], 1, known).shares
    assert _share(Worker("w1", timed, tmp_path / "w1")) == "w1: 1 scenarios (about 0 s)"


def test_more_workers_than_scenarios_makes_no_empty_worker():
    plan = make_plan([scenario("features/a.feature:1")], 4, {})
    assert len(plan.shares) == 1 and plan.serial == []


def test_estimates_come_from_the_first_readable_record(tmp_path):
    broken, good = tmp_path / "broken.json", tmp_path / "good.json"
    broken.write_text("{not json")
    good.write_text(json.dumps({"features/a.feature:1": 3.5, "odd": "x"}))
    assert estimates(tmp_path / "missing.json", broken, good) == {"features/a.feature:1": 3.5}


def suite(folder: Path, name: str, cases: list[tuple[int, str | None]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    root = ElementTree.Element("testsuite", name="features.a.A", timestamp="2026-01-01T00:00:0")
    for line, problem in cases:
        file = f"features/{name.split('.')[1]}.feature"
        attributes = {"name": f"s{line}", "file": file, "line": str(line), "time": "1"}
        case = ElementTree.SubElement(root, "testcase", attributes)
        if problem:
            ElementTree.SubElement(case, problem)
    ElementTree.ElementTree(root).write(folder / name)


def test_junit_files_of_one_feature_from_several_workers_become_one(tmp_path):
    suite(tmp_path / "w1", "TESTS-features.a.xml", [(9, None), (2, "failure")])
    suite(tmp_path / "w2", "TESTS-features.a.xml", [(5, "skipped"), (9, "skipped")])
    suite(tmp_path / "w2", "TESTS-features.b.xml", [(1, None)])
    target = tmp_path / "junit"
    target.mkdir()
    (target / "TESTS-stale.xml").write_text("<testsuite/>")
    w1 = {"features/a.feature:9", "features/a.feature:2"}
    w2 = {"features/a.feature:5", "features/b.feature:1"}
    written = merge_junit([(tmp_path / "w1", w1), (tmp_path / "w2", w2)], target)
    assert [p.name for p in written] == ["TESTS-features.a.xml", "TESTS-features.b.xml"]
    assert sorted(p.name for p in target.iterdir()) == [p.name for p in written]
    merged = ElementTree.parse(target / "TESTS-features.a.xml").getroot()
    assert [c.get("line") for c in merged.iter("testcase")] == ["2", "5", "9"]
    assert (merged.get("tests"), merged.get("failures"), merged.get("skipped")) == ("3", "1", "1")
    assert float(merged.get("time")) == 3.0


def record(line: int, status: str = "passed") -> ScenarioRecord:
    return ScenarioRecord(
        feature="A",
        name=f"s{line}",
        status=status,
        duration=1.25,
        steps=[StepRecord("Given", "a step", "passed", 0.5)],
        tasks=[TaskRecord("t1", [("queued", "2026-01-01T00:00:00Z", None)], {"id": "t1"}, "")],
        events=[ContainerEvent(1.0, "start", "c1", None, None, "t1")],
        file="features/a.feature",
        line=line,
        worker="w1",
        started=100.0,
        ended=101.25,
    )


def test_a_worker_part_round_trips(tmp_path):
    run = RunInfo("r1", "d", "c", "cmd", "os", "e", "api", "eos", "img", "dig")
    run.suite = [ScenarioRef("features/a.feature", 3, "s3")]
    parts.dump([record(3)], run, tmp_path / "evidence.html", tmp_path / "w1")
    records, loaded_run, report = parts.load(tmp_path / "w1")
    assert records == [record(3)]
    assert loaded_run == run and report == tmp_path / "evidence.html"


def test_durations_record_only_scenarios_that_passed(tmp_path):
    path = tmp_path / "durations.json"
    write_durations([record(3), record(4, "failed")], path)
    assert json.loads(path.read_text()) == {"features/a.feature: s3": 1.25}


def test_allure_merge_copies_every_worker_result_once_and_clears_the_old(tmp_path: Path) -> None:
    from agents_runner.testing.parallel import allure_parts

    target = tmp_path / "allure"
    target.mkdir()
    (target / "old-result.json").write_text("{}")
    for worker, names in (("w1", ["a-result.json", "a-attachment.txt"]), ("w2", ["b-result.json"])):
        folder = allure_parts.worker_folder(tmp_path / worker)
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text(worker)
    (tmp_path / "serial").mkdir()  # a worker that wrote no Allure results

    copied = allure_parts.merge([tmp_path / "w1", tmp_path / "w2", tmp_path / "serial"], target)

    assert copied == 2
    assert sorted(p.name for p in target.iterdir()) == [
        "a-attachment.txt",
        "a-result.json",
        "b-result.json",
    ]
