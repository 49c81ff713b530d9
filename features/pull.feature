@registry
Feature: Pulling the agent's image
  A task's image comes from its registry. With the pull policy "missing" (the
  default) it is pulled only when it is absent; "always" pulls it every time;
  "never" uses only what is already present. While a pull runs, its progress is
  recorded on the task. A pull that fails ends the task "failed" with a reason that
  names the image, and no container is ever created for it.

  @smoke
  @C-2.31 @C-1.2 @C-4.18 @C-6.5
  Scenario: An absent image is pulled from the registry, then run
    Given an image that only the registry has
    And a task that runs the "echo" agent in that image
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its recorded history is queued, pulling, starting, running, completed, in that order
    And its recorded pull progress counts every layer as done
    And the image is now present in the engine

  @C-4.18
  Scenario: The pull's progress is recorded while it pulls
    Given an image that only the registry has, served at 256 KiB a second
    And a task that runs the "echo" agent in that image
    When the task is submitted
    Then while the task is pulling, its recorded progress moves forward
    And the task ends "completed"

  @C-3.3 @C-3.5 @C-4.18
  Scenario: While a pull is held half-way, list shows its percentage and logs -f shows its progress on stderr
    Given an image that only the registry has, served at 256 KiB a second and held back half-way
    And a task that runs the "echo" agent in that image
    When the task is submitted
    And the task is pulling, with half of its layer sent and the rest held back
    And the user follows the task's log with "logs -f" in the background
    Then while the pull is held, "list" shows the task's state as "pulling" and a percentage from 1% to 99%
    And while the pull is held, "logs -f" has printed on stderr a line of the pull's progress with a percentage, and nothing on stdout
    When the registry lets the rest of the layers through
    Then "logs -f" exits with status 0, its stdout byte for byte the task's log file
    And the task's log file is exactly "pulled, then ran" and a newline

  @C-2.31
  Scenario: The "always" policy pulls an image that is already present
    Given a task that runs the "echo" agent with the prompt "pulled anyway"
    And its pull policy is "always"
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its recorded history is queued, pulling, starting, running, completed, in that order
    And the engine's events show a pull of the task's image while it ran

  @smoke
  @C-2.31 @C-1.13
  Scenario: The "never" policy refuses to pull an absent image
    Given an image that only the registry has
    And a task that runs the "echo" agent in that image
    And its pull policy is "never"
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its error names the image and says "the pull policy is 'never'"
    And its recorded history is queued, failed, in that order
    And no container was ever created for the task

  @C-1.7
  Scenario: An image removed between its pull and the container's create fails the task, in words that say so
    The proxy holds back the request to create the container, so that someone else
    removes the image after the pull and before the engine hears of the container.
    Given an image that only the registry has
    And a task that runs the "echo" agent in that image
    And a runner that reaches the engine through a proxy that can cut connections
    And the proxy holds back requests to create a container from now on
    When the task is submitted
    And the proxy holds back the task's create, once the engine has the image
    And someone else removes the image from the engine
    And the proxy lets requests to create a container through
    And the task has ended
    Then the task is "failed"
    And its error names the image and says "not found"
    And its recorded history is queued, pulling, starting, failed, in that order
    And no container was ever created for the task

  @C-1.7 @C-4.13
  Scenario: A tag the registry does not have
    Given a task that runs the "echo" agent in a tag the registry does not have
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its error names the image and says "not found"
    And its recorded history is queued, pulling, failed, in that order
    And no container was ever created for the task

  @C-1.7 @C-2.57
  Scenario: Image data that arrives corrupted fails the pull with the engine's reason
    Given an image that only the registry has, whose data arrives corrupted
    And a task that runs the "echo" agent in that image
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its error names the image and says "did not match its digest"
    And its recorded history is queued, pulling, failed, in that order
    And no container was ever created for the task
