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

  @C-8.2 @C-8.9
  Scenario: The board pages through many tasks and filters them, its counts those of the state dir
    Given the state dir holds 120 finished tasks, written as the store writes them
    When the board is open in a browser, through the printed URL
    Then the board shows the newest 50 of the state dir's tasks, newest first
    And the board's counts are those of the state dir's payloads
    When the user presses "Older" on the board
    Then the board shows the state dir's tasks 51 to 100, newest first
    When the user picks the state "failed" on the board
    Then the board shows exactly the state dir's "failed" tasks, newest first
    When the user clears the board's filters and types "n=7" as the label
    Then the board shows exactly the state dir's tasks labelled "n=7"
    When the user clears the board's filters and types "echo" as the agent
    Then the board shows the newest 50 of the state dir's tasks of the "echo" agent
    When the user clears the board's filters and types the first 2 digits of a task's id
    Then the board shows exactly the state dir's tasks whose id starts with those digits
    And the board's counts are those of the state dir's payloads

  @C-8.10
  Scenario: The API's pages hold every task once, the running one first, and its filters match the payloads
    Given the state dir holds 60 finished tasks, written as the store writes them
    And a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    Then the API's pages of 7 hold every task of the state dir once: the running one, then the finished by their payloads' times, newest first
    And each filter's pages of 7 hold exactly the tasks whose payload on disk matches it:
      | filter                  |
      | state=failed            |
      | state=running,cancelled |
      | label=n=7               |
      | agent=echo              |
      | q=the running task's first 2 digits |
    When the agent is let go on
    Then the task ends "completed"

  @C-8.10 @C-4.20
  Scenario: A payload with a malformed field, or one the server cannot read, does not stop the board
    Given the state dir holds 5 finished tasks, written as the store writes them
    And a sixth task's payload, written by hand, whose labels are "oops", not a mapping
    And a seventh task's payload is a folder, not a file
    Then the API's pages of 2 hold exactly the 5 readable tasks, and its counts count those 5
    And the sixth task's payload was moved to quarantine/, and the API answers it with 404
    And the API answers the seventh task with 404, saying it "cannot be read", and its folder is left in place

  @C-8.11
  Scenario: Bad input, an unknown task or endpoint, and a request on an ended task are refused with a reason
    Given a task whose agent prints "done" and exits with code 0
    When the task is submitted
    And the task has ended
    Then the API answers these requests with these statuses and errors:
      | method | path                          | body            | status | error starts with              |
      | GET    | /api/tasks?limit=0            |                 | 400    | limit:                         |
      | GET    | /api/tasks?limit=%C2%B2       |                 | 400    | limit:                         |
      | GET    | /api/tasks?limit=9 x 4301     |                 | 400    | limit:                         |
      | GET    | /api/tasks?state=asleep       |                 | 400    | state:                         |
      | GET    | /api/tasks?cursor=nonsense    |                 | 400    | cursor:                        |
      | GET    | /api/tasks/TASK/log?since=-1  |                 | 400    | since:                         |
      | GET    | /api/tasks/TASK/log?since=9 x 30 |              | 400    | since:                         |
      | GET    | /api/tasks/TASK/log?tail=1&since=0 |            | 400    | tail:                          |
      | GET    | /api/tasks/000000000000       |                 | 404    | unknown task '000000000000'    |
      | GET    | /api/no-such-thing            |                 | 404    | no such endpoint               |
      | POST   | /api/tasks/TASK/cancel        | {}              | 409    | task TASK has ended completed  |
      | POST   | /api/tasks/TASK/cancel        | {"grace": NaN}  | 400    | grace:                         |
      | POST   | /api/tasks/TASK/cancel        | {"grace": 1e400} | 400   | grace:                         |
      | POST   | /api/tasks/TASK/cancel        | grace=5         | 400    | body: not JSON                 |
      | POST   | /api/tasks/TASK/cancel        | {"grace": 1 x 400} | 400 | grace:                         |
      | POST   | /api/tasks/TASK/kill          | {}              | 409    | task TASK has ended completed  |
    And the task's stored payload is byte for byte what it was when it ended

  @C-8.11 @C-8.4
  Scenario: A kill from the task's page is answered 202 and the page says so
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    And the task's page is open in a browser, through the printed URL
    And the user presses "Kill" on the task's page
    Then the task's page says "kill requested (202)"
    And the task ends "killed"

  @C-8.3 @C-8.12 @C-8.13
  Scenario: A task's page draws its timeline and outcome, its log without colour codes, and a Download of the log as stored
    Given a task whose output holds a colour code and a NUL byte, and which exits with code 3
    When the task is submitted
    And the task has ended
    And the task's page is open in a browser, through the printed URL
    Then the task's page draws a timeline bar for each state of the task's stored history, in its order, each with the time it entered that state
    And the task's page says its outcome is "failed, exit code 3"
    And the task's page shows its log as "red line", "nul:␀:end" with no escape character
    And the task's page's Download link serves the task's log file in the state dir, byte for byte
    And the API's log with tail=1 is "nul:␀:end"
    And the API's log followed from byte 0 is the task's log file in the state dir, byte for byte, and ends

  @C-8.14
  Scenario: The OpenAPI document describes every endpoint of the contract's API table
    Then "/api/openapi.json" is an OpenAPI 3.1 document with each path and method of the contract's API table

  @C-8.15
  Scenario: The event stream says "change" when a task is stored
    Given the API's event stream is open with the token
    And a task whose agent prints "done" and exits with code 0
    When the task is submitted
    Then the event stream says "change" after the task's payload is on disk
    And the task ends "completed"

  @C-8.16
  Scenario: A task submitted from the board's form runs as "run --detach" runs it
    When the board is open in a browser, through the printed URL
    And the user fills the board's New task form, with the scenario's labels and network:
      | field   | value                          |
      | image   | the test image                 |
      | command | sh -c 'echo "from the page"'   |
      | timeout | 2m                             |
    And the user presses "Submit" on the board
    Then the board says the task was submitted, with a link to it
    And the state dir holds that task alone, its argv "sh", "-c", "echo "from the page"" and its timeout 120 seconds
    And the task ends "completed"
    And the task's log file in the state dir is "from the page"

  @C-8.16
  Scenario Outline: A field that "run" would refuse is said beside it on the form, and nothing is stored
    When the board is open in a browser, through the printed URL
    And the user fills the board's New task form, with the scenario's labels and network:
      | field   | value          |
      | image   | the test image |
      | command | true           |
      | <field> | <value>        |
    And the user presses "Submit" on the board
    Then the board's form says beside the "<field>" field "<error>"
    And the state dir holds no task

    Examples:
      | field   | value     | error                                                      |
      | timeout | soon      | timeout: 'soon' is not a duration such as 90, 30s, 15m     |
      | image   | bad image | image: 'bad image' is not a valid image reference          |
      | labels  | team      | labels: 'team': expected K=V                               |
      | agent   | echo      | agent: give an agent profile or a command to run, not both |

  @C-8.3 @C-8.11
  Scenario: An unknown task's page and an unknown page are 404 pages, and say so
    Then the page of task "0123456789ab" is answered 404, and a browser is shown a page that says "no task 0123456789ab"
    And the page "/no/such/page" is answered 404, and a browser is shown a page that says "no such page"

  # serial: it measures a timing bound (the exit within 3 seconds of Ctrl-C); beside the
  # workers of both engines' runs and two busy loops, it once took longer.
  @serial
  @C-8.17
  Scenario: Ctrl-C stops the server at once, with the board open on its event stream
    When the board is open in a browser, through the printed URL
    And the board is listening to the event stream
    And the user presses Ctrl-C in the server's terminal
    Then the server exits with status 130 within 3 seconds

  @C-8.18
  Scenario: With the engine away the board still shows the tasks, a kill is recorded for the task's owner, and a submit says the engine is unreachable
    Given a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And the page is served again, by a server whose engine does not answer
    And the board is open in a browser, through the printed URL
    Then the board shows the task "running", without a reload
    And a task posted to the API is answered 503, saying "the Docker engine is unreachable", and the state dir holds no more tasks than before
    When a kill of the task is posted to the API with the token
    Then the task ends "killed"

  @root
  @C-8.11 @C-2.53
  Scenario: A cancel or a task posted while the state dir's disk is full is answered 503 with the reason, and a cancel posted once there is room cancels the task
    Given a state dir on a 4 MiB disk of its own
    And a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And the page is served for the scenario's state dir
    And the state dir's disk is filled up
    Then a cancel of the task posted to the API is answered 503, saying "No space left on device"
    And the stored task holds no cancel request
    And a task posted to the API is answered 503, saying "No space left on device", and the state dir holds no more tasks than before
    And the task is still "running"
    When the disk is given room again
    And a cancel of the task is posted to the API with the token
    Then the task ends "cancelled"

  @C-8.19
  Scenario: A task's page goes on with its log after the server was killed and served again, with no byte lost or shown twice
    The page reads the log from the byte where it stopped; with the token the user chose
    (AGENTS_RUNNER_UI_TOKEN), the page's cookie still holds when the server is back.
    Given the page is served with a token the user chose, in AGENTS_RUNNER_UI_TOKEN
    And a workspace
    And a task whose agent waits for its go file in that workspace
    When the task is submitted
    And the task is "running"
    And the task's page is open in a browser, through the printed URL
    Then the task's page shows "started" in its log, without a reload
    When the server is killed with SIGKILL
    And the agent is let go on
    And the task has ended
    And the page is served again on the same port, with the same AGENTS_RUNNER_UI_TOKEN
    Then the task's page shows "finished" in its log, without a reload
    And the log on the task's page is the task's log file in the state dir, byte for byte

  @C-8.20
  Scenario: "ui --open" opens the printed URL in the browser that $BROWSER names
    When the user runs "ui --open" with BROWSER naming a stand-in browser that writes down the URL it is given
    Then the stand-in browser was given the URL the server printed, which answers 200

  @C-8.12
  Scenario: A Download of a log that grows meanwhile serves the log as it was when it began, whole
    Given a workspace
    And a task whose agent prints 80 MB of numbered 80-byte lines, then waits for its go file in that workspace
    When the task is submitted
    And the task's log file holds at least 20 MB
    Then a Download of the task's log, while it grows, serves at least those 20 MB whole: the start of the log file, byte for byte
    When the agent is let go on
    Then the task ends "completed"

  @slow
  @C-8.12
  Scenario: A 100 MB log does not hold up its page: the page shows the last 500 lines and says so, and Download serves the whole log
    Given a task whose agent prints 100 MB of numbered 80-byte lines
    When the task is submitted
    And the task has ended
    And the task's page is open in a browser, through the printed URL
    Then the task's page shows the last 500 lines of the task's log file, and says that Download has the whole log
    And the Download link serves the task's log file in the state dir, the same SHA-256

  @C-8.2
  Scenario: A task waiting in the queue shows its place in line on the board
    Given the user has run "config max-running 1"
    And task 1 started with "run --detach", waiting for its own go file
    And task 2 started with "run --detach", waiting for its own go file
    When the board is open in a browser, through the printed URL
    Then the board shows task 2 "queued" at place 1, its ticket first in the queue's waiting folder, and task 1 with no place, without a reload
    When every task is let go on
    Then task 1 ends "completed"
    And task 2 ends "completed"
