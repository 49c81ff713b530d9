Feature: Cancelling a task is graceful
  A cancel asks the agent to stop. Docker sends it SIGTERM, and the agent has its
  grace period to shut down cleanly before anything harsher happens. The task is
  recorded as cancelled, with the time the cancel was asked for.

  @smoke
  @C-1.8 @C-2.9 @C-5.3 @C-4.16 @C-2.20 @C-1.14 @C-4.11
  @on-swarm
  Scenario: A running agent is cancelled and shuts down cleanly
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the user cancels the task with a grace period of 5 seconds
    And the task has ended
    Then the task is "cancelled" with exit code 143
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
    And Docker reports that its container exited with code 143
    And the agent's shutdown line is in the task's log
    And its container no longer exists, removed before its end was recorded
    And the recorded time of the cancel request is when the user asked, after the task started running
    And a new process reading the state dir sees the ending Docker reported
