Feature: Requests that race an agent's own exit follow the rules
  A stop or kill request can arrive just as the agent exits on its own. Whatever
  the timing, the task ends by the contract's rules: if the request was recorded
  before the end, it wins (cancelled or killed); if not, the task completed and the
  request changed nothing. No request raises an error and no container is left.

  Scenario: Stop requests racing agents that exit on their own, 20 times
    When 20 tasks whose agent exits at once are each sent a stop request as they run
    Then every task ended "completed" or "cancelled" by the contract's rules

  Scenario: Kill requests racing agents that exit on their own, 20 times
    When 20 tasks whose agent exits at once are each sent a kill request as they run
    Then every task ended "completed" or "killed" by the contract's rules
