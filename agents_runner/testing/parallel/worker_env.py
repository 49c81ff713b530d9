"""How a parallel run tells a behave process that it is one of its workers."""

WORKER_VARIABLE = "AGENTS_RUNNER_WORKER"  # the worker's name, in the reports
PARTS_VARIABLE = "AGENTS_RUNNER_WORKER_PARTS"  # where it leaves its evidence for the merge
