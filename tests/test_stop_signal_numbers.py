"""The stop signal's number, which tells a deadline's own exit code (128 + N) apart."""

import pytest

from agents_runner.supervise.watch import signal_number


@pytest.mark.parametrize(
    ("name", "number"),
    [("SIGTERM", 15), ("TERM", 15), ("sigint", 2), ("15", 15), ("SIGKILL", 9), ("SIGQUIT", 3)],
)
def test_a_stop_signal_by_name_or_number(name, number):
    assert signal_number(name) == number


@pytest.mark.parametrize("name", ["SIGNOPE", "RTMIN+3", ""])
def test_a_signal_this_host_does_not_know_has_no_number(name):
    assert signal_number(name) is None
