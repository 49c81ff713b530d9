Feature: A foreground run keeps its task when it is signalled or loses its reader
  A foreground `agents-runner run` owns its task: it alone supervises it. When it is
  told to stop (SIGTERM from `timeout`, a CI job or systemd; SIGHUP when its terminal
  goes away) it cancels the task as Ctrl-C does: the agent gets its stop signal, SIGKILL
  after the grace, the container is removed, the task ends `cancelled`, and the command
  exits 128 + the signal it got. When the reader of its output goes away (`run | head`)
  it stops writing, silently, and supervises the task to its end, which the agent's own
  exit decides; then it exits as it would have. A task is never left `running` without
  a live owner. These scenarios drive the installed binary in its own process; the
  signals and the pipes are real.

  @C-3.16 @C-3.2
  Scenario Outline: <signal> to a foreground run cancels its task gracefully, and the run exits <status>
    Given the user runs an agent that announces a clean shutdown on SIGTERM in the foreground in a first terminal
    When the task is running in the first terminal
    And the first terminal's command is sent <signal>
    Then the first terminal's command exits with status <status>
    And the task is "cancelled" after the command has exited
    And the first terminal showed the agent's shutdown line
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And its container no longer exists, removed before its end was recorded

    Examples:
      | signal  | status | sent by                                   |
      | SIGTERM | 143    | timeout, a CI job, systemd                |
      | SIGHUP  | 129    | the terminal, when it goes away           |
      | SIGINT  | 130    | Ctrl-C, also once the agent runs          |

  @C-3.17
  Scenario: A run whose reader closes the pipe early supervises its task to the end, silently
    Given a workspace
    And the user runs "run --workspace {workspace} -- sh -c 'echo one; echo two; echo three; until [ -f /workspace/go ]; do sleep 0.1; done; echo four; exit $(cat /workspace/go)'" into a reader that closes the pipe after 2 lines
    When the reader has read "one" and "two" and closed the pipe
    And the agent is let go on, to exit with code 3
    Then the piped command exits with status 3
    And its error output says "ended failed: the agent exited with code 3"
    And its error output has no error line and no traceback
    And the task is "failed" with exit code 3 after the command has exited
    And Docker reports that its container exited with code 3
    And its container no longer exists, removed before its end was recorded

  @C-3.17
  Scenario: A run whose output and error output both go to a reader that closes early still exits with the agent's code
    Given a workspace
    And the user runs "run --workspace {workspace} -- sh -c 'echo one; until [ -f /workspace/go ]; do sleep 0.1; done; echo two; exit $(cat /workspace/go)'" with its error output too into a reader that closes the pipe after 2 lines
    When the reader has closed the pipe
    And the agent is let go on, to exit with code 0
    Then the piped command exits with status 0
    And the task is "completed" with exit code 0 after the command has exited
    And Docker reports that its container exited with code 0
    And its container no longer exists, removed before its end was recorded

  @C-3.16 @C-2.8
  Scenario: A foreground run killed with SIGKILL leaves no task behind, and its deadline holds
    Given the user runs an agent that announces a clean shutdown on SIGTERM in the foreground with a deadline of 8 seconds in a first terminal
    When the task is running in the first terminal
    And 4 seconds of its deadline have passed, by the time it was stored running
    And the first terminal's command is sent SIGKILL
    Then the task ends "timed_out", read from the store alone, with no command run after the kill
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And signal 15 was sent no sooner than the deadline after its container started, and at most 2 seconds later
    And its container no longer exists, removed before its end was recorded

  @C-3.2
  Scenario: A foreground run whose deadline passes exits 124, as timeout(1) does, not the agent's 143
    Given the user runs an agent that announces a clean shutdown on SIGTERM in the foreground with a deadline of 3 seconds in a first terminal
    When the task is running in the first terminal
    Then the first terminal's command exits with status 124
    And the task is "timed_out" after the command has exited
