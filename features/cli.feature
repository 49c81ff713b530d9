Feature: The command line
  People drive agents from a terminal. `agents-runner run` streams the agent's
  output and exits with the agent's exit code; with --detach it prints the task id
  at once, and the task is still driven to its end after the command exits. A task
  started in one terminal can be cancelled or killed from another. Other verbs exit
  0 on success, 1 when the task ended otherwise, 2 on bad input (one clear line on
  stderr), 3 when the Docker engine is unreachable.

  @smoke
  @C-3.2
  Scenario: Run an agent in the foreground
    When the user runs "run --agent echo --prompt 'hello from the command line'"
    Then the command exits with status 0
    And its output is exactly "hello from the command line"

  @smoke
  @C-3.2 @C-4.13
  Scenario: A failing agent run in the foreground exits with the agent's code and says why
    When the user runs "run -- sh -c 'echo tests broke; exit 3'"
    Then the command exits with status 3
    And its output is exactly "tests broke"
    And its error output says "ended failed: the agent exited with code 3; last output: tests broke"

  @smoke
  @C-3.18 @C-2.6 @C-2.15 @C-3.6 @C-3.20
  Scenario: A detached task is driven to its end after the command exits
    Given a workspace
    When the user runs "run --detach --workspace {workspace} -- sh -c 'echo started; until [ -f /workspace/go ]; do sleep 0.1; done; echo finished'"
    Then the command exits with status 0
    And its output is exactly the new task's id
    When the task is "running"
    And the agent is let go on
    And the user runs "wait {id}"
    Then the command exits with status 0
    And its output is exactly "{id} completed"
    And the task's log is exactly "started" then "finished", each line once
    And its container no longer exists, removed before its end was recorded

  # A terminal's session is hung up when its command exits and when the terminal
  # closes: what the command left in it gets SIGHUP. The supervisor is not there.
  @C-3.18
  Scenario: A task detached from a terminal is driven to its end after the terminal is closed
    Given a workspace
    When in a pseudo-terminal, the user runs "run --detach --workspace {workspace} -- sh -c 'until [ -f /workspace/go ]; do sleep 0.1; done'", which exits with status 0 after printing the task's id
    And the terminal is closed
    And the task is "running"
    Then the task's detached supervisor runs on, leading a session and process group of its own, with no controlling terminal (by /proc)
    When the agent is let go on
    Then the task ends "completed"
    And its container no longer exists, removed before its end was recorded

  @C-3.18 @C-3.21 @C-1.10
  Scenario: A detached task's deadline is enforced after the command exits
    When the user runs "run --detach --timeout 1 --grace 1 -- sh -c 'trap \"\" TERM; echo started; while :; do sleep 1; done'"
    And the user runs "wait {id}"
    Then the command exits with status 1
    And its output is exactly "{id} timed_out"
    And its container no longer exists, removed before its end was recorded

  @smoke
  @C-3.19 @C-3.7 @C-3.2 @C-5.3
  Scenario: Cancel a task from a second terminal
    Given the user runs an agent that announces a clean shutdown on SIGTERM in the foreground in a first terminal
    When the task is running in the first terminal
    And the user runs "cancel {id}" in a second terminal
    Then the command exits with status 0
    And its output is exactly "{id} cancelled"
    And the first terminal's command exits with status 143
    And the first terminal showed the agent's shutdown line
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And Docker reports that its container exited with code 143

  @smoke
  @C-3.19 @C-3.8 @C-3.2
  Scenario: Kill a task from a second terminal
    Given the user runs an agent that announces a clean shutdown on SIGTERM in the foreground in a first terminal
    When the task is running in the first terminal
    And the user runs "kill {id}" in a second terminal
    Then the command exits with status 0
    And its output is exactly "{id} killed"
    And the first terminal's command exits with status 137
    And the agent was sent signal 9 and no other (by the engine's events, its own record and its exit code)
    And its container no longer exists, removed before its end was recorded

  @smoke
  @C-3.3 @C-3.4 @C-4.6 @C-4.8 @C-3.20
  Scenario: List and show
    When the user runs "run --agent echo --prompt 'listed'"
    And the user runs "list --all"
    Then its output has a row with the task's id, "completed", the image, the agent "echo" and exit code 0
    When the user runs "list --all --json"
    Then its output is a JSON list with the task's payload
    When the user runs "show --json {id}"
    Then its output is the task's stored payload as JSON

  @C-3.17
  Scenario: "logs -f" whose reader closes the pipe early ends quietly, with status 0
    Given a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And the user runs "logs -f {id}" on the task, into a reader that closes the pipe after 1 line
    And the reader has closed the pipe
    And the agent is let go on
    Then the piped command exits with status 0
    And its error output has no error line and no traceback
    And the task ends "completed"

  @C-3.22
  Scenario Outline: An unknown task id gives status 2 and names it: <command>
    When the user runs "<command> 0123456789ab"
    Then the command exits with status 2
    And its error output is one line that names "0123456789ab"

    Examples:
      | command |
      | show    |
      | logs    |
      | wait    |
      | cancel  |
      | kill    |

  @C-3.14 @C-2.51 @C-2.17 @C-3.22
  Scenario: An id prefix several tasks share gives status 2 and names the first five of them
    Given 7 ended tasks in the state dir whose ids start with "abc"
    When the user runs "show abc"
    Then the command exits with status 2
    And its error output is one line that names "task id prefix 'abc' is ambiguous: 7 tasks match (abc000000000, abc000000001, abc000000002, abc000000003, abc000000004 and 2 more); give more digits"

  @C-3.22 @C-3.15 @C-2.22
  Scenario Outline: Bad input gives status 2 and one clear line: <problem>
    When the user runs "<command line>"
    Then the command exits with status 2
    And its error output is one line that names "<named>"

    Examples:
      | problem           | command line                                  | named                         |
      | invalid image     | run --image 'Not An Image' --agent echo       | image                         |
      | unknown agent     | run --agent no-such-agent                     | no-such-agent                 |
      | negative timeout  | run --agent echo --timeout -1                 | timeout                       |
      | env unset on host | run --agent echo --prompt hi --env NOT_SET_26 | --env NOT_SET_26: no value given |
      | unknown command   | frobnicate                                    | frobnicate                    |

  @C-3.22 @C-6.9
  Scenario Outline: The Swarm backend on an engine that is no Swarm manager is refused in one line naming <named>, and nothing is stored
    When <how>
    Then the command exits with status 2
    And its error output is one line that names "<named>"
    And its error output says "is not a Swarm manager"
    And no task was stored and no container was created

    Examples:
      | named                       | how                                                                                                                      |
      | --backend swarm             | the user runs "run --backend swarm --network none --agent echo --prompt hi"                                              |
      | AGENTS_RUNNER_BACKEND=swarm | with AGENTS_RUNNER_BACKEND set to "swarm" in its environment, the user runs "run --network none --agent echo --prompt hi" |
      | --backend swarm             | the user runs "--backend swarm recover"                                                                                  |
      | --backend swarm             | the user runs "--backend swarm prune"                                                                                    |

  @smoke
  @C-3.23 @C-6.3 @C-2.56
  Scenario: An unreachable engine gives status 3
    When the user runs "run --agent echo --prompt hi" with DOCKER_HOST pointing nowhere
    Then the command exits with status 3
    And its error output is one line that names "unreachable"
    And its error output says "unix:///nonexistent/docker.sock"
