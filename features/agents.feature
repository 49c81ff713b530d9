Feature: Agent profiles run each CLI in its documented non-interactive mode
  A profile turns a prompt into the command line of its agent CLI's
  non-interactive mode (sources: agents_runner/agents.py and the README). The prompt
  reaches the CLI as one argument, never through a shell. In these scenarios the
  CLI's binary is replaced by echo, the one stand-in allowed, so the task's log
  shows the arguments the real CLI would receive.

  @C-2.23 @C-2.24
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
      | gemini  | GEMINI_API_KEY    | --yolo --skip-trust --prompt=fix the failing test                            |
      | copilot | GH_TOKEN          | --allow-all-tools --no-color -p fix the failing test                         |

  @C-2.35
  Scenario: Extra arguments pass through to the CLI, before the prompt
    Given a task that runs the "claude" agent with the prompt "review", with echo standing in for its CLI
    And it is given the secret ANTHROPIC_API_KEY
    And the extra agent arguments "--model" and "claude-sonnet-4-5"
    When the task is submitted
    And the task has ended
    Then its log is exactly "--print --output-format text --model claude-sonnet-4-5 -- review"

  @C-2.32 @C-2.34
  Scenario Outline: Where its container has no network, the claude profile tells the CLI not to retry: <where>
    Given a task that runs the "claude" agent with the prompt "hi", with echo standing in for its CLI
    And it is given the secret ANTHROPIC_API_KEY
    And it runs on <where>
    And its container is kept after its end
    When the task is submitted
    And the task has ended
    Then its container's environment has CLAUDE_CODE_MAX_RETRIES=0 exactly when the engine gave it no network but its loopback

    # Docker started with --bridge=none (the project's machines) has no default network.
    Examples:
      | where                        |
      | the network "none"           |
      | the network "host"           |
      | the engine's default network |
      | a network the scenario made  |

  @C-2.26 @C-2.34
  Scenario: The task's own retry setting wins over the profile's
    Given a task that runs the "claude" agent with the prompt "hi", with echo standing in for its CLI
    And it is given the secret ANTHROPIC_API_KEY
    And its environment sets CLAUDE_CODE_MAX_RETRIES=3
    And it runs on the network "none"
    And its container is kept after its end
    When the task is submitted
    And the task has ended
    Then its container's environment has CLAUDE_CODE_MAX_RETRIES=3

  @C-2.24
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

  @C-2.47 @C-2.49 @C-2.5
  Scenario: A profile whose secret is required refuses to run without it
    When a task that runs the "codex" agent is submitted without any secret
    Then it is refused with an error that names "secrets"
    And the refusal mentions "OPENAI_API_KEY"
    And nothing was stored and no container was created

  @C-2.23
  Scenario: A profile whose secret is missing warns, and runs
    Given a task that runs the "gemini" agent with the prompt "hello", with echo standing in for its CLI
    When the task is submitted, watching for warnings
    And the task has ended
    Then the task is "completed" with exit code 0
    And a warning names "GEMINI_API_KEY"

  @C-2.24 @C-2.36 @C-3.2 @C-4.3
  Scenario: A prompt of 1 MB, given on stdin with "--prompt -", reaches the agent byte for byte on its stdin
    Linux lets one argument carry at most 128 KiB, so a prompt over 100 KB goes to the
    CLI's stdin from a file mounted read-only in the container, and the argv has none.
    Given a workspace holding a stand-in for the claude CLI that prints the SHA-256 of its stdin, then its arguments
    When the user runs "run --agent claude --agent-path /workspace/stand-in --workspace {workspace} --prompt -" with a prompt of 1 MB on stdin
    Then the command exits with status 0
    And the stand-in read on its stdin the SHA-256 of the prompt the user gave
    And the stand-in's arguments were exactly "--print --output-format text"
    And the state dir holds no copy of the prompt outside its payload once the task has ended

  @C-2.45 @C-2.36
  Scenario: The user's own codex login is handed to the task with --host-login, and what the CLI writes back reaches it
    The login is mounted read-write at the same place under the agent's HOME: a refreshed
    token the CLI writes is the host's at once (some services accept a refresh token once).
    Given a home folder with a codex login in ~/.codex/auth.json, owned by uid 1000
    And a workspace owned by uid 1000 holding a stand-in for the codex CLI that prints the SHA-256 of $HOME/.codex/auth.json and how it is mounted, then writes a refreshed token into it
    When the user runs "run --agent codex --agent-path /workspace/stand-in --workspace {workspace} --host-login --prompt hi" with that home folder as HOME
    Then the command exits with status 0
    And the stand-in saw the SHA-256 of the host's login, in a read-write mount
    And the host's ~/.codex/auth.json now holds the refreshed token the stand-in wrote
    And neither the state dir, nor "show" of the task, nor the command's output holds the login's token or the refreshed one
