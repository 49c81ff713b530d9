Feature: The README's Python example runs as written
  A person's first contact with the API is the example in the README. It runs as
  written, with the image swapped for this machine's, and when the image cannot be
  pulled it says why instead of failing with a traceback: a task that never ran has an
  empty log and its reason.

  @C-2.1 @C-2.4 @C-6.4
  Scenario: The README's Python example prints the task's end and its output
    When the README's Python example runs with the test image
    Then it exits with status 0
    And it printed "completed 0" and "hello"

  @registry
  @C-2.1 @C-2.12
  Scenario: The README's Python example says why when the image cannot be pulled
    When the README's Python example runs with an image the registry does not have
    Then it exits with status 0
    And it printed one line "failed None" and a reason that says "not found", then the empty log
    And it printed no traceback

  @C-2.2 @C-2.6
  Scenario Outline: A runner made with Engine.at runs its tasks on that engine, whatever DOCKER_HOST names: <way>
    A task handed to a detached supervisor process is driven there on the runner's
    engine, not on the one the process's environment would name.

    When a Python program runs "from python" through TaskRunner(engine=Engine.at(the scenario's engine)) and <way>, with DOCKER_HOST naming no engine
    Then it exits with status 0
    And it printed "completed 0" and "from python"
    And the engine's events show the task's container started and died

    Examples:
      | way             |
      | submit          |
      | submit_detached |
