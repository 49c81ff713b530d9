Feature: A cancel or a kill is honoured while queued, pulling, running and stopping
  A task can be cancelled or killed before its container exists: while it waits
  for a run slot, and while its image is being pulled (cancelled in both here;
  killed in those states only through the crossed requests below). It then ends without any
  container ever being created. A cancel that comes while the container is being
  started stops the agent gracefully once it runs. A kill during a graceful stop does not wait for the
  grace. Requests are idempotent, and the first recorded intent is kept; a kill
  always overrides a cancel.

  @C-1.19 @C-1.1 @C-2.2
  Scenario: A task still waiting for a run slot is cancelled
    Given a runner that runs one task at a time
    And a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    And the task is submitted
    And the task is running
    When a second task that runs the "echo" agent is submitted
    And the second task is "queued"
    And the user cancels the second task
    Then the second task ends "cancelled"
    And the second task's recorded history is queued, cancelled, in that order
    And no container was ever created for the second task
    And the first task is still "running"
    When the user kills the first task
    Then the first task ends "killed"

  @registry
  @C-1.19 @C-1.2
  Scenario: A task whose image is being pulled is cancelled
    Given an image that only the registry has, whose layers the registry holds back
    And a task that runs the "echo" agent in that image
    When the task is submitted
    And the task is pulling, and a layer download is held back
    And the user cancels the task with a grace period of 5 seconds
    Then the task ends "cancelled"
    And its recorded history is queued, pulling, cancelled, in that order
    And no container was ever created for the task
    And the image is not present in the engine

  @registry
  @C-1.19 @C-1.2 @C-3.7
  Scenario: A detached task whose image is being pulled is cancelled from another process, the pull still held
    Its supervisor is another process: it reads the request from the store while the
    pull goes on, not only once the pull ends.
    Given an image that only the registry has, whose layers the registry holds back
    When the user runs "run --detach --agent echo --prompt hi" on that image
    And the task is pulling, and a layer download is held back
    And the user runs "cancel {id}"
    Then the command exits with status 0
    And the task ends "cancelled"
    And its recorded history is queued, pulling, cancelled, in that order
    And no container was ever created for the task

  @C-1.19 @C-1.3 @C-1.5
  Scenario: A task cancelled while its container is being started is stopped gracefully once it runs
    The proxy holds back the engine's answer to the container's start: the engine runs
    the container while the runner still waits to hear so. Once it hears, the task is
    "stopping" while its grace runs (a kill then ends it here).
    Given a runner that reaches the engine through a proxy that can cut connections
    And the proxy holds back the engine's answers to container starts from now on
    And a task whose agent ignores SIGTERM
    When the task is submitted
    And the engine reports the task's container running, its start not yet answered
    And the user cancels the task with a grace period of 30 seconds
    And the proxy lets the engine's answers to container starts through
    And the task is "stopping", and its agent has recorded signal 15
    And the user kills the task
    Then the task ends "killed"
    And its recorded history is queued, starting, running, stopping, killed, in that order
    And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)

  # serial: it measures a timing bound (signal 9 within 2 seconds of the request).
  @serial
  @C-1.16 @C-1.18 @C-1.5 @C-1.15
  Scenario: A kill during a graceful stop escalates at once
    Given a task whose agent ignores SIGTERM
    When the task is submitted
    And the task is running
    And the user cancels the task with a grace period of 30 seconds
    And the task is "stopping", and its agent has recorded signal 15
    And the user kills the task
    And the task has ended
    Then the task is "killed" with exit code 137
    And its recorded history is queued, starting, running, stopping, killed, in that order
    And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)
    And signal 9 was sent within 2 seconds of the kill request
    And its container no longer exists, removed before its end was recorded

  @C-1.16 @C-1.15 @C-4.16 @C-4.17
  Scenario Outline: Repeated and crossed requests: <first>, then <second>
    Given a task whose agent ignores SIGTERM
    And its stop grace is 1 second
    When the task is submitted
    And the task is running
    And the user <first> the task
    And the user <second> the task
    And the task has ended
    Then the task is "<end>"
    And the first request's time is still the one recorded
    And its container no longer exists, removed before its end was recorded

    Examples:
      | first   | second  | end       |
      | cancels | cancels | cancelled |
      | cancels | kills   | killed    |
      | kills   | cancels | killed    |
      | kills   | kills   | killed    |

  @C-1.16
  Scenario: A request on a task that has ended changes nothing
    Given a task that runs the "echo" agent with the prompt "done already"
    When the task is submitted
    And the task has ended
    And the user cancels the task
    And the user kills the task
    Then the task's stored payload is byte for byte what it was when it ended

  @C-1.5 @C-1.15 @C-3.7
  Scenario: A cancel is recorded as "stopping" at once, even while the owner cannot act on it
    Given a workspace
    And the user has started a waiting agent with "run --detach"
    And the task's detached supervisor is frozen with SIGSTOP, holding no lock
    When the user runs "cancel --no-wait {id}"
    Then the command exits with status 0
    And the stored task is "stopping", with the cancel request recorded, while its owner is still frozen
    When the task's detached supervisor is let go on with SIGCONT
    And the user runs "wait {id}"
    Then its output is exactly "{id} cancelled"
    And the command exits with status 1

  @C-1.19 @C-2.2
  Scenario: Cancelling one of two tasks waiting for a run slot leaves the other to run
    Given a runner that runs one task at a time
    And a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    And the task is submitted
    And the task is running
    And a second task that runs the "echo" agent is submitted
    And a third task that runs the "echo" agent is submitted
    When the user cancels the third task
    Then the third task ends "cancelled"
    And no container was ever created for the third task
    When the user kills the task
    Then the task ends "killed"
    And the second task ends "completed"

  @C-2.20 @C-2.10 @C-6.7
  Scenario Outline: A kill that comes as a kept container's task ends removes the container all the same: <when>
    A task may keep its container after its end (the API's keep_container), but a
    killed task's is removed: here the kill comes after the agent exited, once its log
    is complete, before the owner decided whether to remove the container, or after it
    decided to keep it, before the end was written.
    Given a TaskRunner process whose task keeps its container and prints "done", held at "<point>" once the agent has exited
    When that process is held there
    And the user runs "kill {id} --no-wait"
    And that process is let go on
    Then the task ends "killed"
    And the engine holds no container of the task

    Examples:
      | when                               | point          |
      | before the removal is decided      | before-removal |
      | after the container was kept       | after-removal  |
