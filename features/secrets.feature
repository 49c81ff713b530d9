Feature: Secrets reach the agent and nowhere else
  A secret (an API key) is handed to the agent's environment. It never reaches the
  task's payload, its history, the runner's own logs, error messages or `show`:
  only its name is kept. The state dir is private to its owner.

  Scenario: A secret given through the Python API
    Given a task whose agent prints a fingerprint of its API_TOKEN
    And it is given API_TOKEN as a secret, with a value never seen before
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And the agent saw the secret: its log holds the secret's SHA-256
    And a byte search of the whole state dir finds no trace of the secret's value
    And "show" prints the secret's name but not its value
    And the state dir is 0700 and every file in it 0600

  Scenario: A secret given on the command line to a detached task
    When the user runs a detached agent that prints a fingerprint of API_TOKEN, passing "--secret API_TOKEN" with the value only in the environment
    And the user runs "wait {id}"
    Then the command exits with status 0
    And the agent saw the secret: its log holds the secret's SHA-256
    And a byte search of the whole state dir finds no trace of the secret's value
