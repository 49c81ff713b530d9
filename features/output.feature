Feature: Every byte of the agent's output is kept
  A task's log is the agent's whole output, byte for byte as the engine's own copy
  of it, and it is complete before the task's end is recorded: output with no final
  newline, binary output and a chatty agent's megabytes included. (Docker's
  json-file log stores text: each byte that is not UTF-8 reaches its copy, and so
  ours, as U+FFFD, three bytes; the 13 binary bytes here become 17. Podman's
  k8s-file log keeps the bytes as they are.) The engine's own copy is what its
  command prints: "docker logs", or "podman logs", run as a separate process on the
  container, which the task keeps for the comparison.

  @C-4.21 @C-2.34
  Scenario Outline: The log is the engine's copy, byte for byte: <output>
    Given a task whose container is kept and whose agent prints <output>
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is <size> bytes on Docker and <raw> on Podman, with the SHA-256 of the engine's own "logs" command on its container

    Examples:
      | output                   | size     | raw      |
      | nothing                  | 0        | 0        |
      | one byte with no newline | 1        | 1        |
      | binary bytes             | 17       | 13       |
      | 20 MB of 100-byte lines  | 20000000 | 20000000 |

    @slow
    Examples: a hundred megabytes
      | output                   | size      | raw       |
      | 100 MB of 80-byte lines  | 100000000 | 100000000 |
      | 100 MB with no newline   | 100000000 | 100000000 |

  @C-4.21 @C-2.20
  Scenario: Fifty agents that end without a final newline all keep their output
    Given a runner that runs 4 tasks at a time
    When 50 tasks whose agent prints "answer: 42" with no final newline are submitted
    Then all 50 tasks end "completed"
    And every one of their logs is exactly "answer: 42"
