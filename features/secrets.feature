Feature: Secrets reach the agent and nowhere else
  A secret (an API key) is handed to the agent's environment. It never reaches the
  task's payload, its history, the runner's own logs, error messages or `show`: only
  its name is kept. No other process on the machine carries it in its environment
  or command line (a process that hides them fails the check), and once the task has
  ended Docker keeps no container that held it. Searches look for the raw value and
  for its JSON-escaped, repr, URL-encoded, base64 and hex forms and its random core;
  the value holds a quote, a backslash and
  a non-ASCII letter, so its JSON form differs from the raw one. The state dir the
  runner creates is private to its owner.

  @smoke
  @C-2.27 @C-2.46 @C-4.10 @C-4.2 @C-3.4
  @on-swarm
  Scenario: A secret given through the Python API
    Given a state dir that does not exist yet
    And a workspace
    And a task whose agent prints a fingerprint of its API_TOKEN, then waits for its signal file
    And it is given API_TOKEN as a secret, with a value never seen before
    And the runner's log records are kept
    When the task is submitted
    And the agent has started
    Then no process outside the task's container has the secret in its environment or command line
    When the agent is let go on
    And the task has ended
    Then the task is "completed" with exit code 0
    And the agent saw the secret: its log holds the secret's SHA-256
    And no file in the state dir holds the secret in any of its forms
    And the runner's log records hold the secret in none of its forms
    And Docker no longer has the container that held the secret, nor any event that names it
    And "show" prints the secret's name but not its value
    And the state dir, which the runner created, is 0700 and every file in it 0600

  @C-3.15 @C-2.6 @C-2.27
  @on-swarm
  Scenario: A secret given on the command line to a detached task
    When the user runs a detached agent that prints a fingerprint of API_TOKEN, passing "--secret API_TOKEN" with the value only in the environment
    And the user runs "wait {id}"
    Then the command exits with status 0
    And the agent saw the secret: its log holds the secret's SHA-256
    And no file in the state dir holds the secret in any of its forms
    And neither command printed the secret in any of its forms
    And Docker no longer has the container that held the secret, nor any event that names it
