Feature: Agent profiles run each CLI in its documented non-interactive mode
  A profile turns a prompt into the command line of its agent CLI's
  non-interactive mode (sources: agents_runner/agents.py and the README). The prompt
  reaches the CLI as one argument, never through a shell. In these scenarios the
  CLI's binary is replaced by echo, the one stand-in allowed, so the task's log
  shows the arguments the real CLI would receive.

  Scenario Outline: The <agent> profile
    Given a task that runs the "<agent>" agent with the prompt "fix the failing test", with echo standing in for its CLI
    And it is given the secret <secret>
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is exactly "<arguments>"

    Examples:
      | agent   | secret            | arguments                                                                    |
      | codex   | OPENAI_API_KEY    | exec --sandbox workspace-write --skip-git-repo-check -- fix the failing test |
      | claude  | ANTHROPIC_API_KEY | --print --output-format text -- fix the failing test                         |
      | gemini  | GEMINI_API_KEY    | --yolo --prompt=fix the failing test                                         |
      | copilot | GH_TOKEN          | --allow-all-tools --no-color -p fix the failing test                         |

  Scenario: Extra arguments pass through to the CLI, before the prompt
    Given a task that runs the "claude" agent with the prompt "review", with echo standing in for its CLI
    And it is given the secret ANTHROPIC_API_KEY
    And the extra agent arguments "--model" and "claude-sonnet-4-5"
    When the task is submitted
    And the task has ended
    Then its log is exactly "--print --output-format text --model claude-sonnet-4-5 -- review"

  Scenario Outline: A prompt arrives unchanged: <kind>
    Given a task that runs the "claude" agent with <kind> as its prompt, with echo standing in for its CLI
    And it is given the secret ANTHROPIC_API_KEY
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log is exactly "--print --output-format text -- " followed by the prompt

    Examples:
      | kind                                                              |
      | quotes, $( ), backticks, semicolons, newlines and unicode         |
      | a prompt of 100 KB                                                |
      | a prompt that starts with a dash                                  |

  Scenario: A profile whose secret is required refuses to run without it
    When a task that runs the "codex" agent is submitted without any secret
    Then it is refused with an error that names "secrets"
    And the refusal mentions "OPENAI_API_KEY"
    And nothing was stored and no container was created

  Scenario: A profile whose secret is missing warns, and runs
    Given a task that runs the "gemini" agent with the prompt "hello", with echo standing in for its CLI
    When the task is submitted, watching for warnings
    And the task has ended
    Then the task is "completed" with exit code 0
    And a warning names "GEMINI_API_KEY"
