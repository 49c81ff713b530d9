@slow
Feature: Model-based exploration of submit, cancel, kill, crash, recover and engine faults
  Example scenarios check the orderings someone thought of. Here Hypothesis draws
  sequences of operations and runs them against the real runner and the real engine:
  submit a task of one of seven kinds (exits 0, exits 3, traps SIGTERM, ignores
  SIGTERM, prints with no final newline, prints 2000 lines, a 1-second deadline),
  in this process or to a detached supervisor; cancel it with a grace of 0, 1 or 3
  seconds; kill it; wait for it; SIGKILL a detached supervisor that owns a task;
  open a new runner on the same state dir that recovers; cut every engine connection
  for a second through a real proxy. After every step it checks:
  - every payload parses, and nothing was quarantined;
  - every history starts queued and follows the transition table written out in
    agents_runner/testing/exploration.py (not imported from the product);
  - a task ended for a reason: cancelled only if cancelled, killed only if killed,
    timed out only with a deadline, completed with exit code 0 only if its kind
    exits 0, failed only if its kind fails or with a recorded error;
  - Docker agrees: no container of an ended task is left, Docker's last exit code is
    the recorded one, and the log of a task that ended by itself is byte for byte;
  - no task whose owner lives runs past its deadline, its grace and 20 s of slack.
  A failure shrinks to the smallest sequence, printed as a reproduction, and is kept
  in reports/exploration-examples/ (one database per engine) so that every later run
  on that engine tries it first; copied into features/exploration-examples/ and
  committed with its fix, every run replays it.

  @C-1.12 @C-1.14 @C-1.15 @C-2.19 @C-2.21
  Scenario: A bounded exploration with a fixed seed keeps every invariant
    When the exploration runs 16 sequences of up to 12 steps with seed 20261125
    Then every invariant held after every step
    And the evidence shows how many sequences and steps ran, and the seed
