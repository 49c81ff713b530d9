"""Turn on, for the coverage map, the periodic save in the processes a scenario starts.

coverage.py saves a process's data when it exits, on SIGTERM and on os._exit, but a
process killed with SIGKILL (the scenarios that kill a run or a supervisor hard) never
exits: what it ran since its last save is lost. The line this writes into the venv's
site-packages starts, in every process that has both COVERAGE_PROCESS_START and a
scenario's name (AGENTS_RUNNER_SCENARIO) at start-up, a daemon thread that hands the
data collected so far to coverage's data file every second. The behave process itself
is not killed that way and switches scenarios as it goes, so it gets no such thread.

Usage: python mutation/coverage_hook.py      (prints the file it wrote)
"""

import sysconfig
from pathlib import Path

PTH_NAME = "a2_agents_runner_coverage_flush.pth"  # after coverage's a1_coverage.pth
_FLUSH = """\
import threading, time
import coverage
def _flush(cov=coverage.Coverage.current()):
    try:
        while cov is not None:
            time.sleep(SECONDS)
            cov._collector.flush_data()
    except BaseException:
        return  # stopped at exit: nothing may reach the process's stderr
if not getattr(coverage, "agents_runner_flush", False):  # the venv's site-packages is
    coverage.agents_runner_flush = True  # read twice (lib64 is a link to lib)
    threading.Thread(target=_flush, name="coverage-flush", daemon=True).start()
"""
SECONDS = 1.0


def pth_line() -> str:
    code = _FLUSH.replace("SECONDS", repr(SECONDS))
    condition = " and ".join(
        f"os.environ.get({name!r})" for name in ("COVERAGE_PROCESS_START", "AGENTS_RUNNER_SCENARIO")
    )
    return f"import os; exec({code!r}, {{}}) if {condition} else None\n"


def install() -> Path:
    path = Path(sysconfig.get_paths()["purelib"]) / PTH_NAME
    path.write_text(pth_line())
    return path


if __name__ == "__main__":
    print(install())
