# serial: these scenarios load the machine on purpose (two busy loops, 24 agents
# against 1-second deadlines) and measure a timing bound.
@serial
Feature: Deadlines, stops and kills are decided by what Docker saw
  A deadline counts only when the stop signal reached a running agent: an agent
  that exits just before its deadline ends by its own exit. A stop and a kill reach
  the engine in the order they were asked for, even on a busy machine.

  Rule: A deadline counts only if its stop signal reached a running agent

    @C-1.17
    Scenario: Agents that exit around their deadline end by their exit or by a signal the engine sent
      Given a runner that runs 4 tasks at a time
      When 24 tasks whose agent sleeps 1 second and whose deadline is 1 second are submitted
      Then every one of them either completed with exit code 0 (its own exit, though the engine may have logged one stop signal), or timed out with exit code 143 after one signal from the engine (15, where its events name it) and no SIGKILL

  Rule: Signals reach the engine in the order they were decided

    @C-1.18
    Scenario: On a busy machine, a kill during a graceful stop still comes after the stop
      Given two processes that keep the CPUs busy
      And a task whose agent ignores SIGTERM
      When the task is submitted
      And the task is running
      And the user cancels the task with a grace period of 30 seconds
      And the task is "stopping", and its agent has recorded signal 15
      And the user kills the task
      And the task has ended
      Then the task is "killed" with exit code 137
      And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)
      And signal 9 was sent within 2 seconds of the kill request
      And the engine holds no container of the task
