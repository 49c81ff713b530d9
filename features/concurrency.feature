Feature: A runner never runs more than its limit at once
  A runner holds at most max_running containers at once, each from its create to its
  destroy; the rest wait in
  "queued" and leave it in the order they were submitted (FIFO): no task overtakes
  one submitted before it. Tasks that leave the queue together may start their
  containers in any order.

  @C-2.2 @C-4a.2
  Scenario: Twenty tasks with three slots
    Given a runner that runs 3 tasks at a time
    And a workspace
    When 20 tasks whose agents wait for the go file in that workspace are submitted at once
    Then Docker's events show 3 of their containers running, while the other 17 tasks are "queued"
    When the agents are let go on
    Then all 20 tasks end "completed"
    And Docker's events never show more than 3 of their containers at once, from create to destroy
    And no task's container started while a task submitted before it was still queued

  @C-2.2
  Scenario: Tasks submitted from many threads at once still share the runner's slots
    Given a runner that runs 2 tasks at a time
    And a workspace
    When 10 tasks whose agents wait for the go file in that workspace are submitted from 10 threads at once
    Then Docker's events show 2 of their containers running, while the other 8 tasks are "queued"
    When the agents are let go on
    Then all 10 tasks end "completed"
    And Docker's events never show more than 2 of their containers at once, from create to destroy
