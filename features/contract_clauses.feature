Feature: Clauses of the contract that no other feature proves
  docs/CONTRACT.md promises each of these; each scenario here proves one: a second
  Ctrl-C kills what the first is stopping; "wait --timeout" gives up with 124 and
  leaves the task alone; "cancel" and "kill" exit 1 for a task that had already ended
  otherwise; the Python API's wait raises TimeoutError; "images list" says which
  agents' images this engine holds.

  Rule: A Ctrl-C after the first kills the task a foreground run is stopping

    @C-3.16
    Scenario: A second Ctrl-C kills the task that the first one is stopping
      Given the user runs an agent that ignores SIGTERM in the foreground in a pseudo-terminal, with a grace of 5 minutes
      When the user presses Ctrl-C
      And the task is "stopping", and its agent has recorded signal 15
      And the user presses Ctrl-C
      Then the command exits with status 130
      And the task has ended
      And the task is "killed" with exit code 137
      And the agent was sent signal 15, then signal 9 (by the engine's events, its own record and its exit code)

  Rule: "wait --timeout" gives up with 124 and leaves the task alone

    @C-3.6 @C-3.24
    Scenario: "wait --timeout" gives up with status 124 and leaves the task running
      Given a workspace
      When the user runs "run --detach --workspace {workspace} -- sh -c 'echo started; until [ -f /workspace/go ]; do sleep 0.1; done; echo finished'"
      And the task is "running"
      And the user runs "wait --timeout 1 {id}"
      Then the command exits with status 124
      And the stored task is still "running"
      When the agent is let go on
      And the user runs "wait {id}"
      Then the command exits with status 0

  Rule: "cancel" and "kill" exit 1 for a task that had already ended otherwise

    @C-3.7 @C-3.8 @C-3.21
    Scenario Outline: "<verb>" exits 1 for a task that had already ended otherwise
      When the user runs "run -- echo done"
      And the user runs "<verb> {id}"
      Then the command exits with status 1
      And its output is exactly "{id} completed"

      Examples:
        | verb   |
        | cancel |
        | kill   |

  Rule: The Python API's wait raises TimeoutError when its timeout runs out

    @C-2.7 @C-2.54
    Scenario: The Python API's wait raises TimeoutError when its timeout runs out first
      Given a workspace
      And a task whose agent waits for its go file in that workspace
      When the task is submitted
      And the task is "running"
      Then waiting 1 second for it through the Python API raises TimeoutError
      And the stored task is still "running"
      When the agent is let go on
      And the task has ended
      Then the task is "completed" with exit code 0

  Rule: "images list" says which agents' images this engine holds

    @C-3.12
    Scenario: "images list" says, for each agent, whether this engine holds its image
      When the user runs "images list"
      Then the command exits with status 0
      And it lists the images of claude, codex, copilot and gemini
      And each row says "missing" exactly where the engine's own inspect finds no such image
