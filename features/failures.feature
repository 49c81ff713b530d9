Feature: A task that fails says why
  When the agent fails, the task ends "failed" with a reason a person can act on:
  the exit code, and the agent's last line of output. The output is kept and the
  container is removed.

  @smoke
  @C-1.7 @C-4.12 @C-4.13
  Scenario: The agent exits with a non-zero code
    Given a task whose agent prints "tests failed: 3 of 10" and exits with code 3
    When the task is submitted
    And the task has ended
    Then the task is "failed" with exit code 3
    And its error says "exited with code 3"
    And its error says "tests failed: 3 of 10"
    And its log holds "tests failed: 3 of 10"
    And Docker reports that its container exited with code 3
    And its container no longer exists, removed before its end was recorded

  @smoke
  @C-2.25 @C-4.13 @C-4.22
  Scenario: The agent's command is not in the image
    Given a task whose command is "no-such-agent-cli", which the image does not have
    When the task is submitted
    And the task has ended
    Then the task is "failed" with exit code 127
    And its error says "the command was not found in the image"
    And its error says "no-such-agent-cli"
    And its container no longer exists, removed before its end was recorded

  @C-4.22
  Scenario: A container removed under a running agent ends its task "failed", container lost
    Engines differ on what "wait" says of a container removed while it runs (Docker: 137,
    Podman often 0), so no exit code is believed for it.
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the task's container is removed behind the runner's back
    And the task has ended
    Then the task is "failed"
    And its error says "container lost: it was removed while the agent ran"
    And no exit code is stored for the task

  @C-4.22
  Scenario: A container removed before the runner's wait for it reaches the engine ends its task the same way
    The proxy holds back the runner's request to wait for the container, so that the
    engine hears of the wait only once the container is gone: its answer is "no such
    container", not an exit code.
    Given a runner that reaches the engine through a proxy that can cut connections
    And the proxy holds back requests to wait for a container from now on
    And a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the proxy holds back the runner's wait for the task's container
    And the task's container is removed behind the runner's back
    And the proxy lets requests to wait for a container through
    And the task has ended
    Then the task is "failed"
    And its error says "container lost: it was removed while the agent ran"
    And no exit code is stored for the task

  @C-4.22
  Scenario: While the engine removes a container, the runner's questions about it say it is gone
    Podman, asked about a container in the midst of its removal, can answer with a
    server error ("does not exist in database: no such container"). The runner takes
    that as what it means, the container is gone: a supervisor that inspected at that
    moment once failed its task with the raw error.
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the task's container is removed behind the runner's back while four threads keep asking the runner's engine about it
    Then every answer the runner's engine gave was the container or that it is gone, and the last was that it is gone
    And the task ends "failed"
    And its error says "container lost: it was removed while the agent ran"
