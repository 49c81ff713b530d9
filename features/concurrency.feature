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

  @C-2.2
  Scenario: A runner given its limit as a string of digits holds to that number
    Given a runner given a max_running of "2", a string
    And a workspace
    When 4 tasks whose agents wait for the go file in that workspace are submitted at once
    Then Docker's events show 2 of their containers running, while the other 2 tasks are "queued"
    When the agents are let go on
    Then all 4 tasks end "completed"
    And Docker's events never show more than 2 of their containers at once, from create to destroy

  @C-2.2
  Scenario: A task held back by its runner takes its place in line when a waiting task of the runner is cancelled
    Given the state dir lets 1 task run at a time
    And a runner that runs 2 tasks at a time
    And a workspace
    When 3 tasks whose agents wait for the go file in that workspace are submitted at once
    Then the first task runs, "list" shows the second in place 1, and the third in no place
    When the second task is cancelled
    Then "list" shows the third task in place 1 while the first still runs
    When the agents are let go on
    Then the first and third tasks end "completed", and the second "cancelled"
