@real-agent
Feature: The real agent CLIs accept what their profiles build, offline
  Each of the four CLIs, at the release its profile pins, runs from its own image
  (`agents-runner images build`; here scripts/provision-agent-images.sh builds them
  without Docker Hub) through its profile, in a container with no network at all
  (`--network none`) and a fake credential. Nothing stands in for the CLI here.
  A CLI must get past its own argument parsing and start-up checks (trusted folders,
  token formats, required flags) and stop only where it needs its service; the task's
  recorded reason then says that it could not reach it, and its own output shows it.
  One that retries for ever offline still ends, through its deadline, timed_out.
  A profile whose argv its CLI rejects, or that leaves it at a start-up check, fails its
  scenario: its reason would not name the network, and its output would not show it.

  @C-3.12
  Scenario Outline: The <agent> image carries <package> <version>, on a Node.js that the package accepts
    When a task runs "<agent> --version" in the <agent> agent's own image
    Then the task is "completed" with exit code 0
    And its output names the version <version>
    And the <agent> profile pins <package> at <version>
    And the "engines" field of the installed <package> asks for Node.js <engines>, and the image's Node.js meets it

    Examples:
      | agent   | package                   | version | engines                 |
      | codex   | @openai/codex             | 0.169.0 | ">=16"                  |
      | claude  | @anthropic-ai/claude-code | 2.1.332 | ">=22.0.0"              |
      | gemini  | @google/gemini-cli        | 0.61.0  | ">=20"                  |
      | copilot | @github/copilot           | 1.0.102 | nothing (no such field) |

  @C-4.13 @C-2.23
  Scenario Outline: The real <agent> CLI takes its profile's argv and stops only for the network
    Given a task that runs the real "<agent>" agent in its own image with the prompt "say hello"
    And it is given the fake credential <credential>
    And its environment sets <setting>
    And its deadline is <deadline> seconds
    When the task is submitted
    And the task has ended
    Then the task is "<end>"
    And its recorded reason says "it could not reach its service (no network)"
    And its output shows "<evidence>"

    # codex and gemini retry offline for minutes; claude is told to retry once, as a person
    # can, so that it gives up on its own; copilot gives up at its first failure. gemini prints
    # its first failure about 3 s after it starts on an idle machine, but once printed nothing
    # for 30 s under CI's load; its deadline leaves it room.
    Examples:
      | agent   | credential                                                      | setting                   | deadline | end       | evidence                   |
      | codex   | CODEX_API_KEY=sk-proj-fake0000000000000000000000               | nothing                   | 30       | timed_out | failed to connect          |
      | claude  | ANTHROPIC_API_KEY=sk-ant-api03-fake00000000000000000000000     | CLAUDE_CODE_MAX_RETRIES=1 | 120      | failed    | Can't reach the API server |
      | gemini  | GEMINI_API_KEY=AIzaSyFake000000000000000000000000000000        | nothing                   | 60       | timed_out | fetch failed               |
      | copilot | COPILOT_GITHUB_TOKEN=github_pat_11AAAAAAA0fake_000000000000000 | nothing                   | 120      | failed    | error sending request      |

  @C-4.13
  Scenario: The real claude CLI, given a key and nothing else, gives up on its own offline and the reason says why
    Given a task that runs the real "claude" agent in its own image with the prompt "hi"
    And it is given the fake credential ANTHROPIC_API_KEY=sk-ant-api03-fake00000000000000000000000
    And its environment sets nothing
    And its deadline is 60 seconds
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its recorded reason says "it could not reach its service (no network)"
    And its output shows "Can't reach the API server"

  @C-4.13 @C-1.10
  Scenario: A real agent that prints nothing before its deadline ends timed_out with a reason that says what is known
    Given a task that runs the real "claude" agent in its own image with the prompt "hi"
    And it is given the fake credential ANTHROPIC_API_KEY=sk-ant-api03-fake00000000000000000000000
    And its deadline is 8 seconds
    When the task is submitted
    And the task has ended
    Then the task is "timed_out"
    And the task's log is empty
    And its recorded reason says "the deadline passed before the agent printed anything"
    And its recorded reason says "its container has no network, so it could not reach its service"

  @C-4.13
  Scenario: The real gemini CLI's reason quotes the request that failed, not a line of its stack trace
    Given a task that runs the real "gemini" agent in its own image with the prompt "hi"
    And it is given the fake credential GEMINI_API_KEY=AIzaSyFake000000000000000000000000000000
    And its deadline is 60 seconds
    When the task is submitted
    And the task has ended
    Then the task is "timed_out"
    And its recorded reason says "it could not reach its service (no network)"
    And the line its recorded reason quotes is a whole line of its output, one that shows "fetch failed"

  @C-4.13
  Scenario: The real copilot CLI refuses a kind of token it does not take, and the reason says the credential was refused
    Given a task that runs the real "copilot" agent in its own image with the prompt "say hello"
    And it is given the fake credential COPILOT_GITHUB_TOKEN=ghp_fake000000000000000000000000000000
    And its deadline is 120 seconds
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its recorded reason says "its credentials or account were refused"
    And its output shows "Classic Personal Access Tokens (ghp_) are not supported"

  @C-2.45
  Scenario: The real claude CLI works in a login handed over from the host, and writes back into it
    Given a home folder with a claude login in ~/.claude and ~/.claude.json, owned by uid 1000
    And a task that runs the real "claude" agent in its own image with the prompt "say hello"
    And it is handed the login in that home folder
    And its environment sets CLAUDE_CODE_MAX_RETRIES=1
    And its deadline is 120 seconds
    When the task is submitted
    And the task has ended
    Then the task is "failed"
    And its recorded reason says "it could not reach its service (no network)"
    And the CLI has written its start-up record into that home's ~/.claude.json
    And no file in the state dir holds the login's token

  @C-3.2
  Scenario: Without --image, an agent runs in its own image
    When the user runs "run --agent codex --agent-path echo --secret CODEX_API_KEY=not-a-real-key --prompt hi" as typed, without --image
    Then the command exits with status 0
    And the engine created the task's one container from the image agents-runner/codex:0.169.0

  @C-3.12
  Scenario: images list names each agent's image and CLI release, built from today's Dockerfile
    When the user runs "images list"
    Then the command exits with status 0
    And its output has a row for each agent: its image, its CLI's package at the pinned release, and "built"
