Feature: One queue per state dir: every task from every process waits its turn
  The state dir's limit (agents-runner config max-running N, 4 by default) holds for
  every process that uses it: foreground and detached runs, any TaskRunner, recover.
  A task holds a slot from the moment it leaves "queued" until its end is recorded
  and its container is gone, so at no moment does the engine hold more of its
  containers than the limit. Tasks start by priority, then in submission order, pools
  permitting. A slot belongs to a task, not to a process. Every count here is judged
  by the engine's own create and destroy events, never by the runner's counters.

  @C-4a.1 @C-4a.2
  Scenario: Eight detached runs under the default limit run four at a time
    Given 8 tasks started with "run --detach", each waiting for its own go file
    Then the engine's events show 4 of their containers created, while the other 4 tasks are "queued"
    When every task is let go on
    Then all 8 named tasks end "completed"
    And the engine's events never show more than 4 of their containers at once, from create to destroy

  @C-4a.1 @C-4a.2 @C-4a.3 @C-4a.7 @C-3.13
  Scenario: Twelve detached tasks from twelve processes under a limit of 3
    Given the user has run "config max-running 3"
    And 12 tasks started with "run --detach", each waiting for its own go file
    Then the engine's events show 3 of their containers created, while the other 9 tasks are "queued"
    And the containers created so far are those of tasks 1, 2 and 3
    And "list" shows the queued tasks in places 1 to 9, in the order they were submitted
    When every task is let go on
    Then all 12 named tasks end "completed"
    And the engine's events never show more than 3 of their containers at once, from create to destroy

  @C-4a.2 @C-3.13
  Scenario: A raised limit lets waiting tasks in at once; a lowered one starts none until under it
    Given the user has run "config max-running 1"
    And 4 tasks started with "run --detach", each waiting for its own go file
    Then the engine's events show 1 of their containers created, while the other 3 tasks are "queued"
    When the user runs "config max-running 3"
    Then the engine's events show 3 of their containers created, while the other 1 tasks are "queued"
    When the user runs "config max-running 1"
    And tasks 1 and 2 are let go on and have ended
    Then task 4 is still "queued" and the engine's events show no container of it
    When task 3 is let go on
    Then the engine's events show a container of task 4
    When every task is let go on
    Then all 4 named tasks end "completed"
    And the engine's events never show more than 3 of their containers at once, from create to destroy

  @C-4a.2 @C-4a.3 @C-4a.7 @C-3.13 @C-2.59
  Scenario: A pool holds its own tasks back while other tasks use the free slots
    Given the user has run "config max-running 3"
    And the user has run "config pool claude 1"
    And task 1 started with "run --detach --pool claude", waiting for its own go file
    And task 2 started with "run --detach --pool claude", waiting for its own go file
    And task 3 started with "run --detach", waiting for its own go file
    Then the engine's events show containers of tasks 1 and 3, and task 2 is "queued"
    And "show" of task 2 says "waiting for a slot in pool claude: 1 of 1 running"
    When task 1 is let go on
    Then the engine's events show a container of task 2
    When every task is let go on
    Then all 3 named tasks end "completed"

  @smoke
  @C-4a.3 @C-4a.7 @C-2.58
  Scenario: A higher priority goes first; ties go in submission order
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And task 2 started with "run --detach --priority 0", waiting for its own go file
    And task 3 started with "run --detach", waiting for its own go file
    And task 4 started with "run --detach --priority 5", waiting for its own go file
    Then "list" shows task 4 in place 1, task 2 in place 2 and task 3 in place 3
    When every task is let go on
    Then all 4 named tasks end "completed"
    And the containers were created in the order of tasks 1, 4, 2, 3

  @C-4a.4
  Scenario: A waiter killed while queued loses its place and holds up nobody
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And task 2 started with "run --detach", waiting for its own go file
    And task 3 started with "run --detach", waiting for its own go file
    When the detached supervisor of task 2 is killed with SIGKILL
    And every task is let go on
    Then task 1 ends "completed"
    And task 3 ends "completed"
    And task 2 ends "failed" with an error that says "interrupted while queued"
    And the engine's events show no container of task 2

  @C-4a.7 @C-3.16
  Scenario: A foreground run waiting in the queue shows its place, and Ctrl-C there leaves the queue
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    When task 2 is started with a foreground "run" in a terminal
    Then the terminal shows "place 1 in the queue, waiting for a slot: 1 of 1 running"
    When the user presses Ctrl-C in that terminal
    Then that terminal's command exits with status 130
    And task 2 ends "cancelled"
    And the engine's events show no container of task 2
    When every task is let go on
    Then task 1 ends "completed"

  @C-4a.7
  Scenario: A foreground run says its place in the queue again only when it changes
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    When task 2 is started with a foreground "run" in a terminal
    Then the terminal shows "place 1 in the queue, waiting for a slot: 1 of 1 running"
    When task 3 started with "run --detach --priority 5", waiting for its own go file
    Then the terminal shows "place 2 in the queue, waiting for a slot: 1 of 1 running"
    When the user cancels task 3 from another terminal
    Then the terminal shows "place 1 in the queue" a second time
    When every task is let go on
    Then that terminal's command exits with status 0
    And the terminal showed "place 1 in the queue, waiting for a slot: 1 of 1 running" exactly twice and "place 2 in the queue, waiting for a slot: 1 of 1 running" exactly once

  @C-1.19 @C-3.7 @C-3.19
  Scenario: A waiting task cancelled from another terminal lets its detached supervisor go
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And task 2 started with "run --detach", waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    When the user cancels task 2 from another terminal
    Then task 2 ends "cancelled"
    And the detached supervisor of task 2 has exited
    When every task is let go on
    Then task 1 ends "completed"
    And the engine's events show no container of task 2

  @C-4a.4
  Scenario: A supervisor killed while its agent runs keeps the slot taken until the agent ends
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    When the detached supervisor of task 1 is killed with SIGKILL
    And task 2 started with "run --detach", waiting for its own go file
    Then task 2 is still "queued" and the engine's events show no container of it
    When task 1 is let go on
    Then task 1 ends "completed"
    And the engine's events show a container of task 2
    When every task is let go on
    Then all 2 named tasks end "completed"
    And the engine's events never show more than 1 of their containers at once, from create to destroy

  @C-4a.4 @C-2.15
  Scenario: A queued task whose process was killed runs when a new runner drives it
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    And a TaskRunner process that submits task 2 waiting for its own go file
    When the TaskRunner process is killed with SIGKILL
    And a new TaskRunner in this process drives task 2
    And every task is let go on
    Then task 1 ends "completed"
    And task 2 ends "completed"
    And the containers were created in the order of tasks 1, 2

  @C-4a.2 @C-4a.4 @C-2.16
  Scenario: A runner closed without waiting leaves its running task's slot taken until the task ends
    Given the user has run "config max-running 1"
    And a TaskRunner process that submits task 1 waiting for its own go file, and once it runs closes without waiting and serves on
    And the engine's events show task 1's agent started, and the task is "running"
    When task 2 started with "run --detach", waiting for its own go file
    Then "show" of task 2 says "waiting for a slot: 1 of 1 running"
    And task 2 is still "queued" and the engine's events show no container of it
    When every task is let go on
    Then all 2 named tasks end "completed"
    And the containers were created in the order of tasks 1, 2
    And the engine's events never show more than 1 of their containers at once, from create to destroy

  @C-4a.1 @C-2.2
  Scenario: Two TaskRunners in two processes and detached tasks all share one limit
    Given the user has run "config max-running 2"
    And 2 TaskRunner processes each submit 3 tasks waiting for their own go files
    And 2 tasks started with "run --detach", each waiting for its own go file
    Then the engine's events show 2 of their containers created, while the other 6 tasks are "queued"
    When every task is let go on
    Then all 8 named tasks end "completed"
    And the engine's events never show more than 2 of their containers at once, from create to destroy

  @C-4a.4 @C-4a.3 @C-3.10 @C-4.4
  Scenario: The queue keeps its order through a crash and a recover
    Given the user has run "config max-running 1"
    And a TaskRunner process that submits task 1 waiting for its own go file
    And the engine's events show task 1's agent started, and the task is "running"
    And task 2 started with "run --detach", waiting for its own go file
    And task 3 started with "run --detach", waiting for its own go file
    When the TaskRunner process is killed with SIGKILL
    And the user runs "recover"
    Then "list" shows task 2 in place 1 and task 3 in place 2
    When every task is let go on
    Then all 3 named tasks end "completed"
    And the containers were created in the order of tasks 1, 2, 3
    And the engine's events never show more than 1 of their containers at once, from create to destroy

  @C-4a.2 @C-3.13
  Scenario: Settings changed from ten terminals at once are all kept
    Given the user has run "config max-running 2"
    When ten terminals each run "config pool team-N 1" at once, N from 1 to 10
    Then each of the ten commands exits with status 0
    And "config" says "max-running 2", then pools team-1 to team-10 of size 1

  @C-4a.2 @C-3.13
  Scenario: A settings file that cannot be read is named, a change does not overwrite it, and a pool is not guessed
    Given the user has run "config pool reviews 2"
    And queue/settings.json is overwritten with "{not json"
    When the user runs "config max-running 3"
    Then the command exits with status 2
    And its error output is one line that names "settings.json cannot be read"
    And queue/settings.json still holds exactly "{not json"
    When the user runs "config"
    Then the command exits with status 0
    And its output is exactly "max-running 4"
    And its error output is one line that names "the queue uses the defaults until it is fixed or removed"
    When the user runs "run --pool reviews -- true"
    Then the command exits with status 2
    And its error output is one line that names "--pool: the state dir's pools are unknown"

  @C-3.13 @C-3.22
  Scenario Outline: Bad queue settings are refused with one line, and nothing changes
    Given the user has run "config max-running 2"
    When the user runs "<command>"
    Then the command exits with status 2
    And its error output is one line that names "<message>"
    And "config" still says exactly "max-running 2", and no task was stored

    Examples:
      | command                         | message                                     |
      | config max-running 0            | max-running: must be a whole number of at least 1 |
      | config max-running -3           | max-running: must be a whole number of at least 1 |
      | config max-running many         | max-running: must be a whole number of at least 1 |
      | config pool a/b 2               | pool: a pool name is 1 to 64 letters        |
      | config pool claude 0            | pool claude: must be a whole number of at least 1 |
      | config limit 3                  | config: expected 'config'                   |
      | run --pool nope -- true         | pool: this state dir has no pool named 'nope' |
      | run --priority high -- true     | --priority: must be a whole number          |
