Feature: Killing a task does not wait for the agent
  A kill does not ask (no grace, no SIGTERM first; the bound on how soon is in
  cancel_anywhere.feature and timing.feature): Docker sends the agent SIGKILL, the agent gets no chance to
  run its shutdown code, and the container is removed. The task is recorded as
  killed.

  @smoke
  @C-1.9 @C-2.10 @C-5.3 @C-4.11
  @on-swarm
  Scenario: A running agent is killed at once
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the user kills the task
    And the task has ended
    Then the task is "killed" with exit code 137
    And the agent was sent signal 9 and no other (by the engine's events, its own record and its exit code)
    And Docker reports that its container exited with code 137
    And the agent's shutdown line is not in the task's log
    And its container no longer exists, removed before its end was recorded
    And a new process reading the state dir sees the ending Docker reported

  # serial: it measures a timing bound (the SIGKILL within 2 seconds of the request).
  @serial
  @C-2.10
  Scenario: A kill from another process reaches a detached task's agent within 2 seconds
    The task's owner is its detached supervisor; the kill comes from the command line,
    which records it in the store, and the owner, looking every 0.2 s, carries it out.
    Given a workspace
    And the user has started a waiting agent with "run --detach"
    When the user runs "kill {id}"
    Then the command exits with status 0
    And Docker's events show its container killed within 2 seconds of the kill recorded in the store
