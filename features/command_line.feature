Feature: The command line a person expects
  `agents-runner` follows the conventions of `docker` and `kubectl`. `run` exits
  with the agent's own exit code when the agent ran; when it did not, with a
  fixed code: 125 the runner or the engine failed before the agent ran, 126 the
  agent's command cannot be invoked, 127 it is not found in the image, 130 the
  user pressed Ctrl-C before the agent ran. Other verbs exit 0 on success,
  1 when the task ended otherwise, 2 on bad input, 3 when the engine is
  unreachable, 124 when `wait --timeout` ran out. Bad input is refused in one
  line that names the option as the user typed it, before anything is stored.
  These scenarios drive the installed `agents-runner` binary in its own process:
  Ctrl-C is a real SIGINT, a terminal is a real pseudo-terminal, a pipe a pipe.

  @C-3.2
  Scenario: run exits with the agent's own exit code
    When the user runs "run -- sh -c 'echo tests broke; exit 3'"
    Then the command exits with status 3
    And its error output says "ended failed: the agent exited with code 3"

  @C-3.2 @C-4.22
  Scenario: run exits 127 when the agent's command is not in the image
    When the user runs "run -- no-such-agent-binary --help"
    Then the command exits with status 127
    And the last line of its error output names "no-such-agent-binary"

  @C-3.2 @C-4.22
  Scenario: run exits 126 when the agent's command cannot be invoked
    When the user runs "run -- /bin"
    Then the command exits with status 126
    And the last line of its error output names "/bin"

  @registry
  @C-3.2 @C-2.57
  Scenario: run exits 125 when the image cannot be pulled, with the registry's reason said once
    When the user runs "run --agent echo --prompt hi" in a tag the registry does not have
    Then the command exits with status 125
    And the last line of its error output names "not found"
    And its error output does not repeat the engine's reason

  @registry
  @C-3.16 @C-1.19 @C-3.2
  Scenario: Ctrl-C during a pull cancels the task with one line of its own, and no traceback
    Given an image that only the registry has, whose layers the registry holds back
    And the user runs "run --agent echo --prompt hi" on that image in a pseudo-terminal
    When the task is pulling, and a layer download is held back
    And the user presses Ctrl-C
    Then the command exits with status 130
    And the terminal shows "agents-runner: cancelling task" at the start of a line
    And the terminal shows no traceback
    And the task is "cancelled" after the command has exited
    And no container was ever created for the task

  @registry
  @C-3.18 @C-3.2
  Scenario: run --detach prints the task id at once, while the image is still pulling
    Given an image that only the registry has, whose layers the registry holds back
    When the user runs "run --detach --agent echo --prompt hi" on that image
    Then the command exits with status 0
    And its output is exactly the new task's id
    And the task has not finished pulling when the command has exited
    When the registry lets the layers through
    Then the task ends "completed"

  @registry
  @C-3.2
  Scenario: On a terminal, the pull's bar names its phase, never goes back, and ends with every layer
    Given an image that only the registry has, served at 512 KiB a second
    When the user runs "run --agent echo --prompt hi" on that image in a pseudo-terminal
    Then the command exits with status 0
    And every bar the terminal showed names its phase, and within a phase its percentage, once shown, never goes down
    And the last bar the terminal showed counts every layer as done

  @registry
  @C-3.2
  Scenario: In a pipe, the pull's progress comes as plain lines, more than once, ending with every layer
    Given an image that only the registry has, served at 256 KiB a second
    When the user runs "run --agent echo --prompt hi" on that image
    Then the command exits with status 0
    And its error output has at least 2 plain progress lines and no terminal control codes
    And its last progress line counts every layer as done

  @C-3.2
  Scenario: A fast task's output comes before its end, every state is shown once, the end once
    When the user runs "run -- echo quick" in a pseudo-terminal
    Then the command exits with status 0
    And the terminal showed the states queued, starting, running, once each and in that order, then "quick", then the end once

  @C-3.14
  Scenario Outline: A value that begins with "-" is taken as the value: <option>
    When the user runs "run --agent echo <option> <value> --prompt-file {prompt_file}"
    Then the command exits with status 0
    And the agent received the argv "<argv>"

    Examples:
      | option      | value     | argv                              |
      | --agent-arg | --model   | --model from-file                 |
      | --agent-arg | -v        | -v from-file                      |

  @C-3.14 @C-2.24
  Scenario: A prompt that begins with "-" is taken as the prompt
    When the user runs "run --agent echo --prompt -v"
    Then the command exits with status 0
    And the agent received the argv "-v"

  @C-3.2
  Scenario: The prompt can come from stdin
    When the user runs "run --agent echo --prompt-file -" with "a prompt from stdin" on stdin
    Then the command exits with status 0
    And the agent received the argv "'a prompt from stdin'"

  @C-3.4 @C-4.10
  Scenario: show has the argv that ran for an agent
    When the user runs "run --agent echo --agent-arg --model --prompt 'fix it'"
    And the user runs "show --json {id}"
    Then its output's spec has the argv "echo --model 'fix it'"

  @C-3.14 @C-2.29 @C-4.16
  Scenario: Durations take units everywhere
    When the user runs "run -d --timeout 5m --grace 1m -e GREETING=hi -- sh -c 'echo $GREETING'"
    Then the command exits with status 0
    And the stored task has a timeout of 300 seconds and a grace of 60 seconds
    When the user runs "wait --timeout 2m {id}"
    Then the command exits with status 0
    And the task's log is exactly "hi"

  @C-3.1 @C-4.1
  Scenario: --state-dir is accepted after the verb, and --version answers
    When the user runs "run -- echo here" with --state-dir after the verb
    Then the command exits with status 0
    When the user runs "--version"
    Then the command exits with status 0
    And its output is the installed version

  @C-3.15
  Scenario: run --env NAME passes the host's value of NAME, as docker run -e NAME does
    When the user runs "run --env GREETING -e OTHER=set -- sh -c 'echo $GREETING $OTHER'" with GREETING set to "hello from the host" in its environment
    Then the command exits with status 0
    And its output is exactly "hello from the host set"
    And the stored task's env is GREETING "hello from the host" and OTHER "set"

  @C-3.5
  Scenario: logs -n is logs --tail, as docker's and tail's
    When the user runs "run -- sh -c 'echo one; echo two; echo three'"
    And the user runs "logs -n 2 {id}"
    Then the command exits with status 0
    And its output is exactly "two\nthree"

  @C-3.26
  Scenario: agents-runner without a verb prints its help
    When the user runs agents-runner with no words after it
    Then the command exits with status 2
    And its output says "usage: agents-runner"
    And its output says "run an agent in a new task"

  @C-3.5
  Scenario: logs --tail prints the last lines only
    When the user runs "run -- sh -c 'for i in 1 2 3 4 5; do echo line $i; done'"
    And the user runs "logs --tail 2 {id}"
    Then its output is exactly "line 4\nline 5"
    When the user runs "logs --tail 0 {id}"
    Then its output is empty
    When the user runs "logs --tail 9 {id}"
    Then its output is exactly "line 1\nline 2\nline 3\nline 4\nline 5"

  @C-3.5
  Scenario: logs --since starts at a time, by the engine's clock
    Given a workspace
    When the user runs "run --detach --workspace {workspace} -- sh -c 'echo early; until [ -f /workspace/go ]; do sleep 0.1; done; echo late'"
    And its log holds "early" by now
    And the user notes the time just after the engine's timestamp of the line "early" (past its second where the engine gives whole seconds), as written two hours east of UTC
    And the agent is let go on
    And the user runs "wait {id}"
    And the user runs "logs --since {noted time} {id}"
    Then its output is exactly "late"
    When the user runs "logs --since 1h {id}"
    Then its output is exactly "early\nlate"
    When the user runs "logs --since 1h --tail 1 {id}"
    Then its output is exactly "late"

  @C-3.5 @C-4.3
  Scenario: logs -t puts the engine's time of each line before it, with -n and -f too
    Given a workspace
    When the user runs "run --detach --workspace {workspace} -- sh -c 'echo early; sleep 0.3; echo middle; until [ -f /workspace/go ]; do sleep 0.1; done; echo late; until [ -f /workspace/done ]; do sleep 0.1; done'"
    And its log holds "middle" by now
    And the user notes the engine's timestamp of each line of the log
    And the user runs "logs -t {id}"
    Then the command exits with status 0
    And its output is the lines "early", "middle", each after the engine's time of it
    When the user starts "logs -t -f {id}" in the background
    And the background command has printed "middle"
    And the agent is let go on
    And its log holds "late" by now
    And the user notes the engine's timestamp of each line of the log
    And the agent is let finish
    And the user runs "wait {id}"
    Then the background command exits with status 0
    And its output is the lines "early", "middle", "late", each after the engine's time of it
    When the user runs "logs -t -n 1 {id}"
    Then its output is the lines "late", each after the engine's time of it

  @C-3.9
  Scenario: rm removes a finished task (named twice, once), and refuses one that has not finished
    Given a workspace
    When the user runs "run -- echo done"
    And the user runs "rm {id} {id}"
    Then the command exits with status 0
    And its output is exactly "{id}"
    And the task's payload and log are gone from the state dir
    When the user runs "run --detach --workspace {workspace} -- sh -c 'until [ -f /workspace/go ]; do sleep 0.1; done'"
    And the task is "running"
    And the user runs "rm {id}"
    Then the command exits with status 2
    And its error output is one line that names "not finished"
    And its error output says "rm -f"
    And the task is "running" after the command has exited
    When the agent is let go on
    And the user runs "wait {id}"
    Then the command exits with status 0

  @C-3.9
  Scenario: rm -f removes a task that is still running: it is killed first and leaves no container
    Given a workspace
    When the user runs "run --detach --workspace {workspace} -- sh -c 'until [ -f /workspace/go ]; do sleep 0.1; done'"
    And the task is "running"
    And the user runs "rm -f {id}"
    Then the command exits with status 0
    And its output is exactly "{id}"
    And its container no longer exists
    And the engine's events show the task's container killed, by signal 9 alone, before it was destroyed
    And the task's payload and log are gone from the state dir

  @C-3.3 @C-3.14 @C-3.4 @C-2.33
  Scenario: list filters by state and label, prints ids alone with --quiet, and a unique id prefix is enough
    When the user runs "run --label owner=me -- echo unlabelled by team"
    And the user runs "run --label team=red -- echo red"
    And the user runs "run --label team=blue -- sh -c 'exit 4'"
    And the user runs "list --all --state failed --quiet"
    Then its output is exactly the new task's id
    When the user runs "list --all --label team=blue -q"
    Then its output is exactly the new task's id
    When the user runs "list --all --label team -q"
    Then its output is exactly the ids of the 2 newest tasks, newest first
    When the user runs "show --json" with the task's id cut to its first 6 characters
    Then the command exits with status 0
    And its output is the task's stored payload as JSON

  @C-3.4 @C-4.14
  Scenario: show prints a readable summary of the task
    When the user runs "run --timeout 5m --memory 512m -e GREETING=hi -- sh -c 'echo tests broke; exit 3'"
    And the user runs "show {id}"
    Then the command exits with status 0
    And its output has the line "Task:       {id}"
    And its output shows these fields
      | field     | value                                                  |
      | State     | failed                                                 |
      | Exit code | 3                                                      |
      | Reason    | the agent exited with code 3; last output: tests broke |
      | Image     | {image}                                                |
      | Command   | sh -c 'echo tests broke; exit 3'                       |
      | Agent     | -                                                      |
      | Workspace | -                                                      |
      | Timeout   | 5m                                                     |
      | Grace     | 10s                                                    |
      | Memory    | 512m                                                   |
      | Env       | GREETING=hi                                            |
    And its output shows the task's created, started and ended times as stored
    And its output shows each state the task passed through, in order, with its time as stored

  @C-3.3
  Scenario: list shows the newest task first, with its command or agent and the reason of its end, cut to fit
    When the user runs "run -- sh -c 'echo the first task failed for a reason far too long to fit in any table; exit 4'"
    And the user runs "run --agent echo --prompt second"
    And the user runs "run -- sh -c 'echo a command line much longer than twenty characters'"
    And the user runs "list --all" on a terminal 250 columns wide
    Then its rows list the tasks newest first
    And the rows' COMMAND column reads "\"sh -c 'echo a comma…\"", "echo", "\"sh -c 'echo the fir…\""
    And the rows' REASON column reads "-", "-", "the agent exited with code 4; last output: the first task failed for a reason far too long to fit in any table"
    When the user runs "list --all" on a terminal 140 columns wide
    Then no line of its output is longer than 140 characters
    And the rows' REASON column reads "-", "-", and a beginning of "the agent exited with code 4; last output: the first task failed" cut with "…"
    When the user runs "list --all --no-trunc" on a terminal 140 columns wide
    Then the rows' COMMAND column reads "\"sh -c 'echo a command line much longer than twenty characters'\"", "echo", "\"sh -c 'echo the first task failed for a reason far too long to fit in any table; exit 4'\""

  @C-3.26
  Scenario: Every verb has a description and an example in its help
    Then the help of every verb has a description and an example

  @C-3.22 @C-3.14 @C-3.15 @C-2.47 @C-2.38 @C-2.32 @C-2.5 @C-9.5 @C-3.12
  Scenario Outline: Bad input names the option the user typed, before anything is stored: <problem>
    When the user runs "<command line>"
    Then the command exits with status 2
    And its error output is one line that names "<named>"
    And its error output does not name "<internal>"
    And no task was stored and no container was created

    Examples:
      | problem                  | command line                                 | named                   | internal          |
      | an agent and a command   | run --agent echo --prompt hi -- echo also    | --agent                 | TaskSpec          |
      | an agent without prompt  | run --agent echo                             | --prompt                | TaskSpec          |
      | a negative grace         | run --grace -1 -- echo hi                    | --grace                 | stop_grace        |
      | more CPUs than the host  | run --agent echo --prompt hi --cpus 1000     | --cpus                  | Server Error      |
      | a network that is absent | run --agent echo --prompt hi --network nonet | --network               | Client Error      |
      | a memory below the floor | run --agent echo --prompt hi --memory 1k     | 'agents-runner run --help' | 'agents-runner --help' |
      | an abbreviated option    | run --imag busybox:1.36 -- echo hi           | --imag                  | TaskSpec          |
      | an absurd timeout        | run --timeout 99999999999d -- echo hi        | '99999999999d' is too long: at most 36500 days | OverflowError |
      | an absurd plain timeout  | run --timeout 1e12 -- echo hi                | '1e12' is too long: at most 36500 days | not a duration |
      | empty stdin for --prompt - | run --agent echo --prompt -                | --prompt -: stdin was empty | needs a prompt |
      | empty stdin for --prompt-file - | run --agent echo --prompt-file -      | --prompt-file -: stdin was empty | needs a prompt |
      | an --env the host has not set | run --env AGENTS_RUNNER_UNSET_26 -- echo hi | --env AGENTS_RUNNER_UNSET_26: no value given and $AGENTS_RUNNER_UNSET_26 is not set | expected K=V |
      | a misspelt verb          | rnu -- echo hi                               | did you mean 'run'      | Traceback         |
      | a backend that is not one | run --backend kubernetes -- echo hi         | --backend               | Traceback         |
      | a constraint on one engine | run --constraint node.hostname==n1 -- echo hi | --constraint: only the swarm backend places tasks | constraints |
      | a constraint that is not one | run --constraint gpu -- echo hi            | --constraint: 'gpu' is not a constraint | constraints: |
      | an agent path with a command | run --agent-path /opt/x -- echo hi         | --agent-path            | --prompt          |
      | an agent argument with a command | run --agent-arg -v -- echo hi          | --agent-arg             | --prompt          |
      | a label without a key    | run --label =v -- echo hi                    | --label: '=v' has no name | variable names  |
      | an env name that is an option | run --env -x -- echo hi                 | --env: '-x' is not a variable name | is not set |
      | an empty state dir       | list --state-dir ''                          | --state-dir: must not be empty | Traceback   |
      | a since that is no date  | logs --since 2026-13-45T00:00:00Z 0123456789ab | --since: '2026-13-45T00:00:00Z' is not a time | parse_since |
      | a since too long ago     | logs --since 36501d 0123456789ab             | '36501d' is too long: at most 36500 days | neither a duration |
      | images with an agent and no action | images codex                       | images: 'codex' is not an action | argument action |
      | an unknown agent's images | images list bogus                           | images list: unknown agent 'bogus' | --agent      |
      | an offline folder that holds nothing | images build codex --offline-from /nonexistent | --offline-from: '/nonexistent' has no npm cache | building the codex image |
      | a list label without a key | list --label =v                            | --label: '=v' has no name | Traceback         |
      | a task id after --       | show -- 0123456789ab                         | only 'run' takes a command after --, not 'show' | arguments are required |

  @C-6.9 @C-3.22
  Scenario Outline: An AGENTS_RUNNER_BACKEND that names no backend is refused, naming the variable, before anything is stored: <verb>
    When with AGENTS_RUNNER_BACKEND set to "kubernetes" in its environment, the user runs "<command line>"
    Then the command exits with status 2
    And its error output is one line that names "AGENTS_RUNNER_BACKEND: 'kubernetes' is not a backend"
    And no task was stored and no container was created

    Examples:
      | verb | command line   |
      | run  | run -- echo hi |
      | list | list           |

  @root
  @C-3.23
  Scenario: No permission on the Docker socket gives a hint
    When a user who is not in the docker group runs "run -- echo hi"
    Then the command exits with status 3
    And its error output is one line that names "docker group"

  @C-3.22
  Scenario Outline: A state dir that is a file gives one line and status 2: <verb>
    Given a state dir that is a file
    When the user runs "<command line>" with that state dir
    Then the command exits with status 2
    And its error output is one line that names "cannot use the state dir"
    And its error output says "is a file, not a folder"
    And the file is unchanged

    Examples:
      | verb | command line          |
      | run  | run -- echo never     |
      | list | list                  |
      | show | show 0123456789ab     |

  @C-3.22
  Scenario Outline: A state dir in which no folder can be made is named as the user gave it: <given as>
    Given a state dir in which no folder can be made (a process's folder in /proc), given as <given as>
    When the user runs "list" with that state dir
    Then the command exits with status 2
    And its error output is one line that names "cannot use the state dir"
    And its error output names that state dir as the user gave it, then the path in it that failed

    Examples:
      | given as                                |
      | an absolute path                        |
      | a path relative to the working folder   |

  @root
  @C-3.22
  Scenario: A state dir the user cannot write gives one line and status 2
    Given a state dir the user cannot write
    When a user who is not in the docker group runs "list --all" with that state dir
    Then the command exits with status 2
    And its error output is one line that names "cannot use the state dir"
