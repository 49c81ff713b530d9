Feature: A task runs its agent to completion
  A task runs one agent in its own container. When the agent exits cleanly the
  task is recorded as completed, its output is kept on disk, and its container
  is removed: the task's story outlives the container.

  @smoke
  @C-1.6 @C-1.4 @C-1.13 @C-1.14 @C-2.5 @C-2.20 @C-2.48 @C-4.9 @C-4.11 @C-4.12 @C-4.15
  @on-swarm
  Scenario: The echo agent completes and its story is kept
    Given a task that runs the "echo" agent with the prompt "hello from the acceptance suite"
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its recorded history is queued, starting, running, completed, in that order
    And its log holds the prompt
    And Docker reports that its container exited with code 0
    And its container no longer exists, removed before its end was recorded
    And a new process reading the state dir sees the ending Docker reported
