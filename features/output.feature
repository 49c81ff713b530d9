Feature: Every byte of the agent's output is kept
  A task's log is the agent's whole output, byte for byte as the agent printed it,
  and it is complete before the task's end is recorded: output with no final
  newline, binary output and a chatty agent's megabytes included. What the agent
  printed is known here without the engine: the host's own shell runs the same
  command. The engine's own copy is what its command prints, "docker logs" or
  "podman logs", run as a separate process on the container, which the task keeps
  for the comparison. Docker's json-file log keeps text, each byte that is not
  UTF-8 as U+FFFD (the 13 binary bytes here are 17 there), and it splits a line
  longer than 16 KiB into pieces, each kept as text on its own (a character that a
  piece's end cuts is U+FFFD there too): on Docker the log is compared with it so.
  Podman's k8s-file log keeps the bytes as they are, and so does the "local" log a
  Swarm node keeps of a task (asked of the node's engine), but for the newline after a
  line of 16 KiB or more: the task's log has it back where a line follows.

  @C-4.21 @C-2.34
  Scenario Outline: The log is the agent's output, byte for byte, and as the engine keeps it: <output>
    Given a task whose container is kept and whose agent prints <output>
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is the <size> bytes the agent printed, as the same command prints them on this host
    And its log, as the engine keeps it, has the SHA-256 of the engine's own "logs" command on its container

    @on-swarm
    Examples:
      | output                   | size     |
      | nothing                  | 0        |
      | one byte with no newline | 1        |
      | 20 MB of 100-byte lines  | 20000000 |

    @on-swarm
    Examples: bytes that are not UTF-8
      | output                   | size     |
      | binary bytes             | 13       |

    # Not on a Swarm: Docker 20.10's local log driver, which a Swarm node keeps the
    # log in, drops the newline that ends a line of 16 KiB or more, and at the log's end
    # nothing tells that newline from output that ended without one (C-9.1).

    Examples: a long line whose pieces cut a character
      | output                                | size  |
      | a 21 KB line of three-byte characters | 21001 |

    @on-swarm @C-9.1
    Examples: long lines, whose newlines a Swarm node's log drops, and a line after them
      | output                                             | size  |
      | lines of 40,000 and 16,384 bytes, then a short one | 56390 |

    @slow @on-swarm
    Examples: a hundred megabytes
      | output                   | size      |
      | 100 MB of 80-byte lines  | 100000000 |
      | 100 MB with no newline   | 100000000 |

  @C-3.5 @C-9.1
  @on-swarm
  Scenario: "logs -t" gives a line of 16 KiB or more the engine's time of it, though only a later line showed where it ended
    Given a workspace
    When the user runs "run --detach --workspace {workspace} -- sh -c 'printf %020000d 0; echo; sleep 2; echo next; until [ -f /workspace/go ]; do sleep 0.1; done'"
    And its log holds "next" by now
    And the user notes the engine's timestamp of each line of the log, from its frames
    And the agent is let go on
    And the user runs "wait {id}"
    And the user runs "logs -t {id}"
    Then the command exits with status 0
    And its output is a line of 20000 bytes, then "next", each after the engine's time of it

  @C-4.21 @C-2.20
  @on-swarm
  Scenario: Fifty agents that end without a final newline all keep their output
    Given a runner that runs 4 tasks at a time
    When 50 tasks whose agent prints "answer: 42" with no final newline are submitted
    Then all 50 tasks end "completed"
    And every one of their logs is exactly "answer: 42"
