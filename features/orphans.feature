Feature: Prune removes what is ours and nothing else
  Containers carry the label of the store that made them. `prune` (and `recover`)
  remove a container of this store that no task knows once it is older than a
  grace period; a container of any other store, or of anyone else, is never
  touched. `prune` also removes the payloads and logs of tasks that ended longer
  ago than a given age.

  @C-5.1 @C-2.19 @C-2.18 @C-2.14 @C-3.11
  Scenario: An orphan of this store is removed; another store's and someone else's are left alone
    Given a container of this store that no task knows
    And a container that belongs to another store
    And a container of someone else, with no agents-runner label at all
    When the user runs "prune"
    Then the command exits with status 0
    And its output does not name the orphan
    And the orphan is still there, being younger than the grace period
    When the user runs "prune --orphan-grace 0"
    Then the command exits with status 0
    And its output names the orphan as removed, and the task id it carries that no task has
    And the orphan no longer exists
    And the other store's container is still there
    And the container of someone else is still there

  @C-2.14 @C-3.11
  Scenario: Old finished tasks are pruned; unfinished ones are kept
    Given a task that runs the "echo" agent with the prompt "old news"
    And the task is submitted
    And the task has ended
    And a second task that runs until it is signalled is running
    When the user runs "prune --older-than 0s"
    Then the finished task's payload and log are gone
    And the second task is still "running"
    When the user kills the second task
    Then the second task ends "killed"
