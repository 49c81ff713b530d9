Feature: Nothing is lost when the runner crashes
  The process that drives a task can die at any moment (kill -9, a closed laptop;
  here a foreground run together with its watchdog, as a power cut kills both).
  `agents-runner recover`, or any new TaskRunner on the same state dir, reconciles
  the store with Docker: a container that still runs is taken over and driven to
  its end; one that exited meanwhile is finished from its real exit code and
  output; a task whose container vanished ends failed, "container lost"; a task that
  never got a running container ends failed, "interrupted" (its secrets were never
  stored, so it is not restarted).

  @smoke
  @C-2.19 @C-2.13 @C-3.10
  Scenario: A container that still runs is taken over and driven to its end
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When the user runs "recover"
    Then the command exits with status 0
    And its output says the task's container still runs and is driven
    When the agent is let go on
    Then the task ends "completed"
    And the task's log is exactly "started" then "finished", each line once
    And its container no longer exists, removed before its end was recorded

  @C-2.3 @C-2.6
  Scenario: A runner made with Engine.at hands a container that still runs to a detached process that drives it on that engine, whatever DOCKER_HOST names
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When a Python program opens TaskRunner(engine=Engine.at(the scenario's engine), adopt_in="process") on the state dir and closes it, with DOCKER_HOST naming no engine
    Then it exits with status 0
    And the task's owner is a live detached supervisor process
    When the agent is let go on
    Then the task ends "completed" in that detached supervisor's hands, with nobody else taking it over
    And the task's log is exactly "started" then "finished", each line once

  @C-2.19 @C-2.3
  Scenario: A container that exited meanwhile is finished from its real exit code
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When the agent is let go on, to exit with code 7
    And Docker reports the task's container has exited
    And a new TaskRunner opens the state dir
    Then the task ends "failed"
    And the stored exit code is 7
    And the task's log is exactly "started" then "finished", each line once
    And its container no longer exists, removed before its end was recorded

  @C-2.19 @C-2.18 @C-3.10
  Scenario: A container that vanished ends the task with "container lost"
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When the task's container is removed behind the runner's back
    And the user runs "recover"
    Then the task ends "failed"
    And its error says "container lost"
    And its output has the line "{id}: ended failed (container lost: it no longer exists in the engine)"

  @C-2.19 @C-5.1
  Scenario: A container that took the task's name but carries another task's label is not taken for the task's own
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When the task's container is removed behind the runner's back
    And a running container of this store, labelled with another task whose id sorts before the task's, takes the task's container name
    And the user runs "recover"
    Then the task ends "failed"
    And its error says "container lost"
    And Docker still runs the container that took the name, and sent it no signal

  @C-2.19 @C-4.19
  Scenario: A recover that finds the task claimed by another process since it read it leaves the task to that process
    Given a workspace
    And the user runs an agent that waits for a signal file in the foreground in a first terminal
    And the task is running in the first terminal
    And the first terminal's runner process and its watchdog are killed with SIGKILL
    When a recover in this process has read the task as abandoned and waits on the task's lock to claim it
    And meanwhile another live process claims the task, and the lock is let go
    Then the recover's report says nothing of the task
    And the task's owner is still the other process
    When the other process exits
    And the user runs "recover"
    And the agent is let go on
    Then the task ends "completed"

  @C-2.19 @C-4a.4
  Scenario: A task left waiting in a dead runner's queue is failed as interrupted
    Given a workspace
    And a runner process with one slot that runs a waiting agent and has a second task queued
    When that runner process is killed with SIGKILL
    And the user runs "recover"
    Then the second task ends "failed"
    And the second task's error says "interrupted while queued"
    And no container was ever created for the second task
    When the agent is let go on
    Then the task ends "completed"
