Feature: A runner killed at any of its named crash points leaves no container and loses no exit code
  The process that drives a task is SIGKILLed at its named points (a failpoint armed
  by AGENTS_RUNNER_FAILPOINTS, for tests only). "agents-runner recover" then
  finishes the task: a container that was only created is removed, with the secret
  in its environment; one that was started is driven to its end; one that exited is
  finished from its real exit code; one already removed, from the exit code recorded
  before its removal. The container is found by its name and labels,
  which are decided before it is created, not only by an id stored after. (A run
  armed with a crash point starts no watchdog: outside tests, a foreground run's
  watchdog would take the task over before anyone ran "recover".)

  Background:
    Given a workspace
    And a secret API_TOKEN with a value never seen before

  @smoke
  @C-2.19 @C-6.7 @C-1.7
  Scenario: Killed at start-up, before any container
    When the user runs a waiting agent with the secret in the foreground, armed to die at "start-up"
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then the task ends "failed"
    And its error says "interrupted while queued"
    And no container was ever created for the task

  @C-2.19 @C-6.7 @C-1.3 @C-5.1
  Scenario: Killed right after the container was created
    When the user runs a waiting agent with the secret in the foreground, armed to die at "after-create"
    And the runner process has died of SIGKILL
    Then the engine holds the task's container, created and never started
    When the user runs "recover"
    Then the task ends "failed"
    And its error says "interrupted while starting"
    And the engine holds no container of the task
    And Docker reports that the task's container was destroyed without ever starting

  @smoke
  @C-2.19 @C-6.7 @C-3.10
  Scenario: Killed right after the container was started
    When the user runs a waiting agent with the secret in the foreground, armed to die at "after-start"
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then its output says the task's container still runs and is driven
    When the agent is let go on, to exit with code 5
    Then the task ends "failed"
    And the stored exit code is 5
    And the task's log is exactly "started" then "finished", each line once
    And the engine holds no container of the task

  @C-2.19 @C-6.7 @C-2.8 @C-1.14
  Scenario: Killed right after the container was started, its deadline still counts from the container's start
    When the user runs a waiting agent with the secret in the foreground, armed to die at "after-start", with a deadline of 10 seconds
    And the runner process has died of SIGKILL
    And 9 seconds have passed since the engine started the task's container
    And the user runs "recover", noting when it began
    Then the task ends "timed_out", its history running from the engine's start of its container, and the engine's stop signal came no sooner than 10 seconds after that start and sooner than 10 seconds after the command began
    And the engine holds no container of the task

  @C-2.19 @C-6.7 @C-1.15
  Scenario: Killed while a graceful stop is under way
    When the user runs a waiting agent with the secret in the foreground, armed to die at "during-stopping"
    And the task is running in the first terminal
    And the user runs "cancel {id} --no-wait" in a second terminal
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then the task ends "cancelled"
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And the engine holds no container of the task

  # The grace (15 s) is what `recover`, and the detached supervisor it hands the task to,
  # have to start in before the SIGKILL is due; with 8 s, Podman under the mutation map's
  # load (coverage.py in every process) took them 13.7 s.
  @C-2.19 @C-6.7 @C-2.9 @C-1.15 @C-4.16
  Scenario: Killed while a graceful stop is under way, the stop's grace still counts from the cancel
    When the user runs an agent that ignores SIGTERM with the secret in the foreground, with a grace of 15 seconds, armed to die at "during-stopping"
    And the task is running in the first terminal
    And the user runs "cancel {id} --no-wait" in a second terminal
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then the task ends "cancelled"
    And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)
    And signal 9 was sent no sooner than the stop grace after signal 15, and at most 2 seconds later
    And the engine holds no container of the task

  @C-2.19 @C-6.7 @C-2.9 @C-1.14 @C-4.16
  Scenario: Killed while the deadline's graceful stop is under way, the grace still counts from the deadline's signal
    When the user runs an agent that ignores SIGTERM with the secret in the foreground, with a grace of 15 seconds and a deadline of 2 seconds, armed to die at "during-stopping"
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then the task ends "timed_out"
    And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)
    And signal 9 was sent no sooner than the stop grace after signal 15, and at most 2 seconds later
    And the engine holds no container of the task

  @C-2.19 @C-6.7 @C-2.20
  Scenario: Killed right after the start of an agent whose long line the engine's log cuts around a line on stderr, its log is whole and nothing in it twice
    Docker's log keeps a line longer than 16 KiB in pieces that all carry the first
    piece's time, so the line written on stderr between them is logged later than the
    piece after it (Podman's log, run here too, stamps each piece itself). The task
    taken over copies the engine's log, not an attach stream.
    When the user runs in the foreground, armed to die at "after-start", an agent that prints a line of 40000 bytes on stdout with a line on stderr in the middle of it
    And the runner process has died of SIGKILL
    And the user starts "logs -f {id}" in a third terminal
    And the user runs "recover"
    Then the task ends "completed"
    And the task's log holds the long line's 40000 bytes and the line "middle", each once
    And "logs -f" exits with status 0, having printed the task's log exactly, each byte once
    And the engine holds no container of the task

  @C-2.19 @C-6.7
  Scenario: Killed after the agent exited, before the end was written
    When the user runs a waiting agent with the secret in the foreground, armed to die at "before-end"
    And the task is running in the first terminal
    And the agent is let go on, to exit with code 7
    And the runner process has died of SIGKILL
    And the user runs "recover"
    Then the task ends "failed"
    And the stored exit code is 7
    And the task's log is exactly "started" then "finished", each line once
    And the engine holds no container of the task

  @C-2.19 @C-6.7
  Scenario: Killed after the container was removed, before the end was written
    When the user runs a waiting agent with the secret in the foreground, armed to die at "after-removal"
    And the task is running in the first terminal
    And the agent is let go on, to exit with code 7
    And the runner process has died of SIGKILL
    Then the engine holds no container of the task
    When the user runs "recover"
    Then the task ends "failed"
    And the stored exit code is 7
    And the task's log is exactly "started" then "finished", each line once

  @C-2.19 @C-6.7 @C-4a.4
  Scenario: Killed after the end was written, before the task's slot in the queue was given back
    Given the user has run "config max-running 1"
    When the user runs a waiting agent with the secret in the foreground, armed to die at "after-end"
    And the task is running in the first terminal
    And the agent is let go on, to exit with code 0
    And the runner process has died of SIGKILL
    Then the task ends "completed"
    When the user runs "recover"
    And the user runs "run -- echo next", which must answer within 60 seconds
    Then the command exits with status 0
    And the state dir's queue holds no slot and active/ no marker of the first task
