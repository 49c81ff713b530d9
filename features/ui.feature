Feature: A live page and a JSON API, seen in a real browser
  "agents-runner ui" serves the state dir's tasks on 127.0.0.1 and prints a URL with a
  token. The board shows every task and its state as it changes; a task's page shows
  its states, its argv and its log as it comes, with Cancel and Kill. Every request
  needs the token, a POST from another origin is refused, and what a user or an agent
  wrote is shown as text. These scenarios drive the real server in headless chromium.

  Background:
    Given the page is served for the scenario's state dir

  @C-8.1 @C-8.2
  Scenario: A task's states appear on the board as they happen
    Given a workspace
    And a task whose agent waits for its go file in that workspace
    When the board is open in a browser, through the printed URL
    And the task is submitted
    Then the board shows the task "running", without a reload
    When the agent is let go on
    Then the board shows the task "completed", without a reload

  @C-8.3
  Scenario: A task's log lines appear on its page as they come
    Given a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And the task's page is open in a browser, through the printed URL
    Then the task's page shows "started" in its log, without a reload
    When the agent is let go on
    Then the task's page shows "finished" in its log, without a reload
    And the task ends "completed"

  @C-8.4
  Scenario: Cancel on the task's page stops the agent gracefully
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the task's page is open in a browser, through the printed URL
    And the user presses "Cancel" on the task's page
    Then the task ends "cancelled"
    And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)

  @C-8.4
  Scenario: Kill on the task's page kills the agent
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the task's page is open in a browser, through the printed URL
    And the user presses "Kill" on the task's page
    Then the task ends "killed"
    And the engine's events show the task's container killed, by signal 9 alone, before it was destroyed

  @C-8.5
  Scenario: Every request needs the token
    Then the board without the token is answered 401, and the API too
    And a browser given a wrong token is shown a page that says "wrong token"
    And the API with the token as a bearer answers 200

  @C-8.6
  Scenario: A kill posted from another origin is refused and changes nothing
    Given a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And a kill of the task is posted with the token from another origin
    Then it is answered 403
    And the stored task is still "running"
    When the agent is let go on
    Then the task ends "completed"

  @C-8.7
  Scenario: Markup in a command line and in the output is shown as text
    Given a task whose command line and output hold "<img src=x onerror=alert(1)>"
    When the task is submitted
    And the task has ended
    And the task's page is open in a browser, through the printed URL
    Then the task's page shows "<img src=x onerror=alert(1)>" as text, and the browser made no img element, showed no alert and logged no error

  @C-8.8
  Scenario: A port already in use is said in one line, with status 2
    When the user runs "ui" on the port the page is served on
    Then the command exits with status 2
    And its error output is one line that names "is already in use"
