Feature: The agent works in the user's workspace and the user keeps ownership
  A task's workspace (a host directory) is mounted read-write at /workspace, which
  is the agent's working directory. The agent runs as the workspace's owner, so the
  files it writes there belong to that user, who can edit them afterwards. An agent
  runs as root only when asked: a workspace that belongs to root is refused without
  --user root.

  @smoke
  @C-2.28 @C-2.39
  Scenario: A file the agent writes is on the host, owned by the workspace's owner
    Given a workspace that belongs to an unprivileged user
    And a task whose agent writes "report.txt" in its working directory
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log holds "working in /workspace"
    And "report.txt" is in the workspace on the host, holding "written by the agent"
    And "report.txt" belongs to the workspace's owner, who can edit it

  @C-2.28
  Scenario: A workspace in the user's home folder is mounted like any other
    Given a workspace in the user's home folder
    And a task whose agent writes "report.txt" in its working directory
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And its log holds "working in /workspace"

  @root
  @C-2.39 @C-3.22
  Scenario: A workspace that belongs to root is refused unless the user asks for root
    Given a workspace that belongs to root
    When the user runs "run --workspace {workspace} -- id -u"
    Then the command exits with status 2
    And its error output is one line that names "belongs to root, and an agent runs as root only when asked: add --user root"
    And no container was created
    When the user runs "run --user root --workspace {workspace} -- id -u"
    Then the command exits with status 0
    And its output is exactly "0"
