Feature: Bad input is refused clearly and harms nothing
  An invalid task is refused before anything is stored, with an error that names
  the field at fault. An unknown task id is named in the error. A payload on disk
  that cannot be read is moved to quarantine with its reason; every other task
  still loads.

  @C-2.47 @C-2.49 @C-2.5 @C-2.22 @C-2.23 @C-2.26 @C-2.28 @C-2.29 @C-2.30 @C-2.37 @C-2.38
  Scenario Outline: An invalid task is refused: <field> <problem>
    When a task is submitted with <field> set to <value>
    Then it is refused, its error naming "<field>" and saying "<says>"
    And nothing was stored and no container was created

    Examples:
      | field      | problem                    | value             | says                                |
      | image      | empty                      | ""                | must be a non-empty image reference |
      | image      | not a reference            | "Not A Reference" | is not a valid image reference      |
      | image      | malformed tag              | "busybox::1.36"   | is not a valid image reference      |
      | timeout    | zero                       | 0                 | must be more than 0 seconds         |
      | timeout    | negative                   | -5                | must be more than 0 seconds         |
      | stop_grace | negative                   | -1                | must not be negative                |
      | agent      | unknown                    | "no-such-agent"   | unknown agent 'no-such-agent'       |
      | env        | key containing "="         | {"A=B": "x"}      | must not contain '='                |
      | env        | empty key                  | {"": "x"}         | variable names must be non-empty    |
      | env        | a value not UTF-8          | {"A": "\udcff"}   | is not UTF-8 text                   |
      | labels     | a value not UTF-8          | {"k": "\udcff"}   | is not UTF-8 text                   |
      | prompt     | not UTF-8                  | "fix \udcff"      | is not UTF-8 text                   |
      | workspace  | not an existing directory  | "/no/such/dir"    | is not an existing directory        |
      | workspace  | the whole host             | "/"               | would hand the agent the whole host |
      | workspace  | holding the Docker socket  | "/run"            | contains the Docker socket          |
      | memory     | below the engine's minimum | "1m"              | is below the minimum                |
      | cpus       | zero                       | 0                 | must be more than 0                 |
      | cpus       | below the smallest share   | 0.001             | at least 0.01                       |
      | cpus       | so small it is no limit    | 1e-10             | at least 0.01                       |
      | memory     | beyond what an engine takes | "99999999999999999999g" | more than an engine takes     |
      | tmp_size   | beyond what an engine takes | 9223372036854775808 | more than an engine takes         |
      | pids_limit | beyond the kernel's        | 99999999999999999999999 | at most 4194304             |
      | nofile     | beyond the kernel's        | 99999999999999    | at most 2147483584                  |

  @C-2.2 @C-2.3
  Scenario Outline: A runner's option out of range is refused before anything is made: <option> <problem>
    When a runner is opened on a state dir not yet made, with <option> set to <value>
    Then it is refused, its error naming "<option>" and saying "<says>"
    And that state dir was not made

    Examples:
      | option        | problem      | value       | says                                    |
      | max_running   | zero         | 0           | must be a whole number of at least 1    |
      | max_running   | not a number | "four"      | must be a whole number of at least 1    |
      | poll_interval | zero         | 0           | must be a number of seconds more than 0 |
      | poll_interval | a string     | "0.2"       | must be a number of seconds more than 0 |
      | adopt_in      | misspelt     | "processes" | must be 'thread' or 'process'           |

  @C-2.2
  Scenario: A runner given an engine's address instead of an engine says how to make one
    When a runner is opened on a state dir not yet made, with engine set to "unix:///run/agents-runner-podman.sock"
    Then it is refused with a TypeError naming "engine" and saying "Engine.at(url)"
    And that state dir was not made

  @C-2.50
  Scenario: An unknown task id is named in the error
    When the user asks for the task "0123456789ab", which does not exist
    Then the error names "0123456789ab"
    And cancelling it or killing it gives the same error

  @C-4.20 @C-2.11 @C-4.3 @C-4.7
  Scenario Outline: A corrupted payload is quarantined: <kind>
    Given a task that runs the "echo" agent with the prompt "I am fine"
    And the task is submitted
    And the task has ended
    And a stored payload that is <kind>
    When the tasks are listed
    Then the task that ended is listed, unchanged
    And the corrupted payload is in quarantine with a reason saying "<reason>"
    And a warning was logged naming the quarantined payload

    Examples:
      | kind               | reason                 |
      | truncated JSON     | not valid JSON         |
      | of a schema no version wrote | unsupported schema |
      | not a JSON object  | not an object          |
      | whole, but its labels are text | spec.labels is not a mapping of strings |
      | whole, but its command is a number | spec.command is not a list of strings |
      | whole, but its error is a number | error 5 is not text |
      | whole, but its timeout is a word | spec.timeout 'soon' is not a number |
      | whole, but a time has no time zone | has no time zone |
