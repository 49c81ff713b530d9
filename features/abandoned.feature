Feature: No task is stranded when the process that drives it goes away
  A task is driven by one owner. When the owner is gone (killed, or a runner closed
  with wait=False in a process that goes on), whoever waits on the task or asks
  something of it takes it over: "wait", "logs -f", "run --detach", a kill, or a
  new runner in the same process. Nobody has to remember to run "recover".

  @C-3.19 @C-3.6 @C-3.5 @C-3.18 @C-2.8
  Scenario: "wait" takes over a task whose detached supervisor was killed
    Given a workspace
    And the user has started a waiting agent with "run --detach"
    And the task's detached supervisor is killed with SIGKILL
    When the user starts "wait {id}" in another terminal
    Then the task's stored owner becomes a detached supervisor that "wait" started, as /proc shows
    When the user starts "logs -f {id}" in a third terminal
    And the agent is let go on
    Then "wait" exits with status 0 and prints that the task is completed
    And "logs -f" exits with status 0 after printing "started" and "finished"
    And the engine holds no container of the task

  @C-4.21 @C-3.19 @C-3.5
  Scenario: "logs -f" that takes a task over prints each line of its log once
    A process that takes a task over copies the engine's log again, over the copy on
    disk: equal bytes stay. Here the new copy's followed log is held back by a proxy, so
    the log on disk is what the take-over left of it until the agent has ended.
    Given a workspace
    And a proxy in front of the engine
    And the user has started a waiting agent with "run --detach"
    And the user has started "logs -f {id}" through the proxy, and it has printed "started"
    And the proxy holds back everything the engine sends on followed log streams from now on
    When the task's detached supervisor is killed with SIGKILL
    Then the task's stored owner becomes a detached supervisor that "logs -f" started, as /proc shows
    And once that supervisor has asked the proxy for the task's followed log, the task's log is still exactly "started"
    When the agent is let go on
    Then "logs -f" exits with status 0 after printing "started" and "finished"
    And its log is exactly the lines "started" and "finished"
    And the engine holds no container of the task

  @C-4.21 @C-4.3 @C-3.5
  Scenario: "logs -t" during a take-over stamps the lines copied before it with the engine's times
    A process that takes a task over keeps the log's time index with the log. Here the
    new copy's followed log is held back by a proxy, so "logs -t" reads the index the
    take-over left: the two lines keep their own times, 1.1 s apart (Podman stamps
    whole seconds, and holds back a time within 10 ms of the last one written).
    Given a workspace
    And a proxy in front of the engine
    And the user has started an agent that prints "early", then "started" 1.1 s later, and waits, with "run --detach"
    And the user has started "logs -f {id}" through the proxy, and it has printed "started"
    And the log's time index on disk reaches the end of the log
    And the proxy holds back everything the engine sends on followed log streams from now on
    When the user notes the engine's timestamp of each line of the log
    And the task's detached supervisor is killed with SIGKILL
    Then the task's stored owner becomes a detached supervisor that "logs -f" started, as /proc shows
    When that supervisor has asked the proxy for the task's followed log
    And the user runs "logs -t {id}"
    Then its output is the lines "early", "started", each after the engine's time of it
    When the agent is let go on
    Then "logs -f" exits with status 0 after printing the lines "early", "started", "finished"
    And the engine holds no container of the task

  @registry
  @C-3.19 @C-2.19 @C-1.7 @C-3.21 @C-2.8
  Scenario: "wait" notices that the detached supervisor pulling the image died
    Given an image that only the registry has, whose layers the registry holds back
    When the user runs "run --detach --agent echo --prompt hi" on that image
    And the task is pulling, and a layer download is held back
    And the task's detached supervisor is killed with SIGKILL
    And the user runs "wait {id}"
    Then the command exits with status 1
    And the task is "failed" after the command has exited
    And its error says "interrupted while pulling"
    And no container was ever created for the task

  @C-2.16 @C-2.3
  Scenario: A runner closed with wait=False leaves its task to the next runner of the process
    Given a workspace
    And a task whose agent waits for a signal file in the workspace
    And the task is submitted
    And the agent has started
    When the runner is closed without waiting
    Then the task's file names no owner, and the task is not ended
    When a new TaskRunner in the same process opens the state dir
    And the agent is let go on
    Then the task ends "completed"
    And its log is exactly the lines "started" and "finished"
    And the engine holds no container of the task

  @C-2.16 @C-2.10
  Scenario: A kill reaches a task whose runner was closed with wait=False
    Given a workspace
    And a task whose agent waits for a signal file in the workspace
    And the task is submitted
    And the agent has started
    When the runner is closed without waiting
    And another runner without recovery kills the task
    Then the task ends "killed", read from the store alone, with no command run after the kill
    And the engine holds no container of the task
