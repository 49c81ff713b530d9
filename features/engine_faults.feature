Feature: A task rides out engine faults
  The runner's connection to the Docker engine can break: a proxy or a socket drops
  it, or the engine restarts. A running task is not failed for that: its engine
  calls are retried until the engine answers again, for up to two minutes, and
  then the runner reconciles with what Docker says happened meanwhile. Its output
  is complete and its container is removed once the end is recorded.

  @C-2.21
  Scenario: A dropped engine connection does not fail a running task
    Given a runner that reaches the engine through a proxy that can cut connections
    And the runner's log records are kept
    And a task whose agent prints "begin", sleeps 4 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy cuts every engine connection and refuses new ones for 2 seconds
    And the task has ended
    Then the proxy cut at least one of the runner's connections
    And while the proxy refused, the runner tried the engine at most 10 times a second
    And the runner's log records say it found the engine unreachable and retried
    And the task is "completed" with exit code 0
    And its log is exactly the lines "begin" and "end"
    And the engine holds no container of the task

  # serial: it restarts the engine every other scenario uses.
  @engine-restart @slow @serial
  @C-2.21 @C-6.8
  Scenario: With live-restore on, a running task survives an engine restart
    Given the engine runs with live-restore on
    And a task whose agent prints "begin", sleeps 6 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the engine is stopped and started again
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is exactly the lines "begin" and "end"
    And the engine holds no container of the task

  # Not on Podman: it has no live-restore setting to turn off (engine_gaps.py).
  # serial: it restarts the engine every other scenario uses.
  @engine-restart @slow @docker-only @live-restore-off @serial
  @C-2.21 @C-6.8
  Scenario: With live-restore off, an engine restart fails the task with the real exit code
    Given the engine runs with live-restore off
    And a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the engine is stopped and started again
    And the task has ended
    Then the task is "failed" with exit code 143
    And its error says "Docker engine"
    And the agent's shutdown line is in the task's log
    And the engine holds no container of the task

  @registry
  @C-2.21
  Scenario: A dropped engine connection during a pull does not fail the task
    Given a runner that reaches the engine through a proxy that can cut connections
    And the runner's log records are kept
    And an image that only the registry has, whose layers the registry holds back
    And a task that runs the "echo" agent in that image
    When the task is submitted
    And the task is pulling, and a layer download is held back
    And the proxy cuts every engine connection and refuses new ones for 2 seconds
    And the registry lets the layers through
    And the task has ended
    Then the proxy cut at least one of the runner's connections
    And the task is "completed" with exit code 0
    And the runner's log records say it found the engine unreachable and retried
    And the engine holds no container of the task

  @C-2.20
  Scenario: A log stream that stalls as the agent exits is cut, and the log still holds all of the output, each line once
    The engine ends a followed log stream when the container stops; here the proxy
    holds back everything on it, its end too, as a hung connection would. What it never
    passed on is read from the engine's log once the agent has exited.
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose agent prints "begin", sleeps 3 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy holds back everything the engine sends on followed log streams from now on
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is exactly the lines "begin" and "end"

  @C-2.20 @C-3.5
  Scenario: Output the stalled log stream never passed on still gets the engine's times
    The engine's followed log is held back just after "begin": on Docker it is the
    stream that stamps the copy made from the attach stream, on Podman the copy's own.
    What it never passed on is read from the engine's log once the agent has exited,
    thousands of lines in one plain read, and each keeps its own time in the log's
    time index: `logs --since` starts at the right line within them.
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose container is kept and whose agent prints "begin", sleeps 3 seconds, prints 9000 numbered lines, sleeps 2 seconds and prints "late"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy holds back everything the engine sends on followed log streams from now on
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is byte for byte what the engine's own "logs" command prints of its container
    When the user notes the time just after the engine's timestamp of the line "line 9000" (past its second where the engine gives whole seconds), as written two hours east of UTC
    And the user runs "logs --since {noted time} {id}"
    Then its output is exactly "late"

  @C-2.20 @C-3.5
  Scenario: Output of a task whose followed log is held from the start still gets the engine's times
    Here the followed log never even answers its request: on Docker the stamper waits
    for it until the agent has exited, and all of the output is stamped from the log.
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose container is kept and whose agent prints "begin", sleeps 0 seconds, prints 9000 numbered lines, sleeps 2 seconds and prints "late"
    When the proxy holds back everything the engine sends on followed log streams from now on
    And the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is byte for byte what the engine's own "logs" command prints of its container
    When the user notes the time just after the engine's timestamp of the line "line 9000" (past its second where the engine gives whole seconds), as written two hours east of UTC
    And the user runs "logs --since {noted time} {id}"
    Then its output is exactly "late"

  @C-2.20 @C-2.16 @C-3.5
  Scenario Outline: A task taken over by a new runner, whose followed log stalls, still gets all of its output and the engine's times
    A runner that takes over a running task has no attach stream: it copies the output
    by following the engine's log. Here that stream is held back, <when>, while the agent
    prints <count> lines. Once the agent has exited, what the stream never passed on
    comes <whence> (on Podman, from a plain read of the whole log), and each line keeps
    its own time in the log's time index.
    Given a workspace
    And a runner that reaches the engine through a proxy that can cut connections
    And a task whose container is kept and whose agent waits for a signal file in the workspace, then prints <count> numbered lines, sleeps 2 seconds and prints "late"
    And the task is submitted
    And the agent has started
    When the runner is closed without waiting
    And <taking over>
    And the agent is let go on
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is byte for byte what the engine's own "logs" command prints of its container
    And the rest of its output was read <whence>, by the log reads the new runner's proxy passed (on Podman, whose followed log may skip records, always from the whole log)
    When the user notes the time just after the engine's timestamp of the line "line <count>" (past its second where the engine gives whole seconds), as written two hours east of UTC
    And the user runs "logs --since {noted time} {id}"
    Then its output is exactly "late"
    When the user notes the engine's timestamp of each line of the log
    And the user runs "logs -t -n 1 {id}"
    Then its output is the lines "late", each after the engine's time of it

    Examples:
      | count | when                              | whence                                                                                                                          | taking over                                                                                                                                                                                                      |
      | 100   | once the new runner follows it    | from the log's last frames                                                                                                      | a new TaskRunner in the same process opens the state dir through a proxy of its own, and once that proxy has passed the agent's first line on, it holds back everything the engine sends on followed log streams |
      | 9000  | once the new runner follows it    | from a plain read of the whole log, over the copy (more than the last frames looked back at)                                     | a new TaskRunner in the same process opens the state dir through a proxy of its own, and once that proxy has passed the agent's first line on, it holds back everything the engine sends on followed log streams |
      | 100   | before the new runner asks for it | from a plain read of the whole log (nothing was copied to read on from), once the follower that never got an answer is given up | a new TaskRunner in the same process opens the state dir through a proxy of its own, which holds back everything the engine sends on followed log streams                                                        |

  @C-2.20 @C-4.21
  Scenario: An output stream that stalls as the agent exits is cut, and the output is completed from the engine's log
    The supervisor that starts a container copies its output as the engine passes it
    on (Docker's attach stream, which ends after the last byte); here the proxy holds
    back everything on that stream, its end too, as a hung connection would. On
    Podman the log is followed, so the stream held is never opened.
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose agent prints "begin", sleeps 3 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy holds back everything the engine sends on attach streams from now on
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is exactly the lines "begin" and "end"

  @C-2.21 @C-4.21
  Scenario: After a cut connection the engine's log is read again over the copy, and from the first difference it is the copy
    Bytes that are not UTF-8 reach the copy as the agent printed them, while Docker's
    json-file log keeps each as U+FFFD. Once the stream the copy came through is cut,
    the log is read from its start over what was copied: equal bytes are kept, and
    from the first difference on the log's account is written, never a byte twice.
    (Podman's log keeps the bytes, so there the two never differ.)
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose container is kept and whose agent prints bytes that are not UTF-8 and "begin", sleeps 4 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy cuts every engine connection and refuses new ones for 2 seconds
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is byte for byte what the engine's own "logs" command prints of its container

  @slow
  @C-2.21
  Scenario: An engine that does not answer for more than two minutes fails the task, saying so, and its container goes once the engine is back
    The runner rides out an engine that does not answer for up to 120 seconds. Past
    that it records the task failed, since nobody can tell what its agent does
    meanwhile, and removes the container once the engine answers again.
    Given a runner that reaches the engine through a proxy that can cut connections
    And a task whose agent prints "begin", sleeps 600 seconds and prints "end"
    When the task is submitted
    And its log holds "begin" by now
    And the proxy cuts every engine connection and refuses new ones for 140 seconds
    Then the task is recorded "failed" between 120 and 140 seconds after the proxy began to refuse
    And its recorded reason says "the engine did not answer for 2 minutes"
    And its recorded reason names no exception of the code
    And Docker, asked directly, says the task's container is still running
    When the proxy lets connections through again
    Then Docker's events show the task's container destroyed within 30 seconds

  @C-2.20 @C-3.5
  Scenario Outline: A followed log <fault> in the middle of a long line, after a line on stderr the engine logged later than the line's rest, still gets the whole line
    Docker's log keeps a line longer than 16 KiB in pieces that all carry the first
    piece's time, so a read "since" the line on stderr copied last finds none of the
    line's later pieces, and nor do the log's last frames after that time. A supervisor
    that took the task over follows the engine's log; its stream is <fault> once it has
    copied the line on stderr, while the agent waits.
    Given a proxy in front of the engine
    And a workspace
    And a secret API_TOKEN with a value never seen before
    When the user runs in the foreground, armed to die at "after-start", an agent that prints half of a line of 40000 bytes, then "middle" on stderr, and once let go on, the rest of the line and 300 numbered lines
    And the runner process has died of SIGKILL
    And the user runs "recover" through the proxy
    And its log holds "middle" by now
    And <the fault>
    And the agent is let go on
    Then the task ends "completed"
    And the task's log holds the long line's 40000 bytes, the line "middle" and 300 numbered lines after them, each once
    And the engine holds no container of the task

    Examples:
      | fault | the fault                                                                  |
      | cut   | the proxy cuts every engine connection and refuses new ones for 2 seconds |
      | held  | the proxy holds back everything the engine sends on followed log streams from now on |

  @C-2.20 @C-3.5 @C-6.7 @docker-only @attach-stream
  Scenario: The attach stream ends but the engine is slow to say that the container exited: the log is read from the engine, and the late answer changes nothing
    The runner attaches to the container's output on Docker. When that stream ends, it
    asks the engine whether the container exited; here that thread is held before it
    asks, as an engine too busy to answer would hold it. The copy is finished from the
    engine's log without it, and when the thread goes on at last, it leaves the log and
    its times as they are.
    Given a TaskRunner process whose task keeps its container and prints "attached", held at "attach-ended" once the agent has exited, that lives on after closing its runner
    When that process is held there
    And the task has ended
    And that process is let go on
    And that process no longer holds the task's log open
    And the user notes the engine's timestamp of each line of the log
    And the user runs "logs -t {id}"
    Then the task is "completed" with exit code 0
    And its output is the lines "attached", each after the engine's time of it
