Feature: A task that outlives its deadline is stopped
  A task may have a deadline (its timeout, counted from when its container starts
  running). When it passes, the task is stopped gracefully: the agent gets SIGTERM
  and its stop grace, then SIGKILL if it is still there. The task ends "timed_out".

  @smoke
  @C-1.10 @C-1.5 @C-2.29 @C-2.30 @C-4.15
  @on-swarm
  Scenario: An agent past its deadline shuts down gracefully
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    And its deadline is 1 second and its stop grace 5 seconds
    When the task is submitted
    And the task has ended
    Then the task is "timed_out" with exit code 143
    And its recorded history is queued, starting, running, stopping, timed_out, in that order
    And signal 15 was sent no sooner than the deadline after its container started, and at most 2 seconds later
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And the agent's shutdown line is in the task's log
    And its container no longer exists, removed before its end was recorded

  @C-1.10 @C-1.17
  Scenario: An agent that shuts down cleanly on its deadline's signal, exit code 0, has still timed out
    Its exit code is 0, but the engine timed its exit 0.4 s after the signal, past the
    0.3 s in which an exit with code 0 counts as the agent's own (C-1.17): the deadline
    ended it, not the agent's own work.
    Given a task whose agent takes 0.4 seconds to shut down on SIGTERM, then exits with code 0
    And its deadline is 1 second and its stop grace 5 seconds
    When the task is submitted
    And the task has ended
    Then the task is "timed_out" with exit code 0
    And the agent's shutdown line is in the task's log
    And its container no longer exists, removed before its end was recorded

  @smoke
  @C-1.10 @C-1.18 @C-2.30 @C-5.3
  @on-swarm
  Scenario: An agent that ignores SIGTERM is killed when its grace runs out
    Given a task whose agent ignores SIGTERM
    And its deadline is 1 second and its stop grace 1 second
    When the task is submitted
    And the task has ended
    Then the task is "timed_out" with exit code 137
    And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)
    And signal 9 was sent no sooner than the stop grace after signal 15, and at most 2 seconds later
    And its container no longer exists, removed before its end was recorded
