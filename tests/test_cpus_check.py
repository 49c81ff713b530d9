"""--cpus against the engine's CPUs, before anything is stored (runner/checks.py)."""

from agents_runner.runner.checks import cpus_problem


def test_more_cpus_than_the_engine_has_is_refused_naming_the_option_and_both_numbers() -> None:
    assert cpus_problem(2.5, 2) == "cpus: 2.5 is more than the 2 the engine has"


def test_as_many_cpus_as_the_engine_has_or_fewer_pass() -> None:
    assert cpus_problem(2, 2) is None
    assert cpus_problem(0.5, 2) is None


def test_an_engine_that_does_not_say_how_many_cpus_it_has_refuses_nothing_here() -> None:
    # Before, such an engine counted as having 0 CPUs, and every --cpus was refused.
    assert cpus_problem(0.5, None) is None
