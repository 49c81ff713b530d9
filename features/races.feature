Feature: Requests that race an agent's own exit follow the rules
  A stop or kill request can arrive just as the agent exits on its own. Whatever
  the timing, the task ends by the contract's rules: if the request was recorded
  before the end, it wins (cancelled or killed); if not, the task completed and the
  request changed nothing. No request raises an error and no container is left.

  Each ordering is forced on purpose, not left to luck: the agent exits only when a
  signal file appears, and the window between its exit and the recording of its end
  is held open by holding the task's lock (the gate), which the runner's next write
  waits for. The report prints the ordering each run took, with Docker's times.

  Background:
    Given the legal transitions are
      | source state | allowed targets                              |
      | queued       | pulling, starting, cancelled, killed, failed |
      | pulling      | starting, cancelled, killed, failed          |
      | starting     | running, cancelled, killed, failed           |
      | running      | completed, failed, stopping, killed          |
      | stopping     | cancelled, timed_out, killed                 |
      | completed    | none                                         |
      | failed       | none                                         |
      | cancelled    | none                                         |
      | killed       | none                                         |
      | timed_out    | none                                         |
    And a workspace

  @C-1.15 @C-1.16 @C-1.14
  Scenario Outline: A <request> request <ordering>
    Given a task whose agent exits 0 when its signal file appears
    When the task is submitted
    And the agent has started
    And a <request> request comes <ordering>
    Then the task ends "<end>"
    And Docker's events show the ordering "<ordering>"
    And the task's history follows the legal transitions, and the <request> request's rule
    And the engine holds no container of the task

    Examples:
      | request | ordering                                          | end       |
      | stop    | before the agent exits                            | cancelled |
      | stop    | after the agent exited, before its end is recorded | cancelled |
      | stop    | after the end is recorded                         | completed |
      | kill    | before the agent exits                            | killed    |
      | kill    | after the agent exited, before its end is recorded | killed    |
      | kill    | after the end is recorded                         | completed |

  @C-1.15 @C-1.12
  Scenario: Stop requests racing agents that exit on their own, 20 times
    When 20 tasks whose agent exits at once are each sent a stop request as they run
    Then every task ended "completed" or "cancelled" by the legal transitions and the stop request's rule

  @C-1.15 @C-1.12
  Scenario: Kill requests racing agents that exit on their own, 20 times
    When 20 tasks whose agent exits at once are each sent a kill request as they run
    Then every task ended "completed" or "killed" by the legal transitions and the kill request's rule
