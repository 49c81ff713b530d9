Feature: A task that fails says why
  When the agent fails, the task ends "failed" with a reason a person can act on:
  the exit code, and the agent's last line of output. The output is kept and the
  container is removed.

  Scenario: The agent exits with a non-zero code
    Given a task whose agent prints "tests failed: 3 of 10" and exits with code 3
    When the task is submitted
    And the task has ended
    Then the task is "failed" with exit code 3
    And its error says "exited with code 3"
    And its error says "tests failed: 3 of 10"
    And its log holds "tests failed: 3 of 10"
    And Docker reports that its container exited with code 3
    And its container no longer exists

  Scenario: The agent's command is not in the image
    Given a task whose command is "no-such-agent-cli", which the image does not have
    When the task is submitted
    And the task has ended
    Then the task is "failed" with exit code 127
    And its error says "the command was not found in the image"
    And its error says "no-such-agent-cli"
    And its container no longer exists
