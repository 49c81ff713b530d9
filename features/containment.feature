Feature: What the agent runs is fenced in
  An AI agent runs commands that a model wrote, and the container is the only fence
  between them and the user's machine. By default every Linux capability is dropped,
  at most 512 processes run at once, memory is limited to 4g without swap, a process
  may open 4096 files, /tmp is a 256m tmpfs, and the agent runs as 1000:1000 (or as
  its workspace's owner), never as root unless asked. Each default has an option.
  Each attempt below runs for real inside a container, and is checked from both
  sides: what the attempt itself said and returned inside, and the kernel's or Docker's account of
  the container outside. An attempt that relies on a limit starts only once Docker
  reports that limit.

  # Not @on-swarm: the swarm API (1.41) sets no swap limit, and Docker gives a service's
  # container as much swap again as its memory limit (the next scenario is on the Swarm).
  @C-2.37 @C-2.39 @C-2.40 @C-2.41 @C-2.42 @C-2.43 @C-2.44
  Scenario: The defaults, as Docker reports them
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    When the task is submitted
    And the task is running
    Then the kernel shows that its agent holds no capability and can gain none
    And Docker reports a process limit of 512, an open-file limit of 4096 and a memory limit of 4g without swap
    And Docker reports that the agent runs as 1000:1000, with a 256m tmpfs at /tmp, on a writable root filesystem
    When the user kills the task
    Then the task ends "killed"

  @C-2.37 @C-2.39 @C-2.40 @C-2.41 @C-2.42 @C-2.43 @C-2.44
  @on-swarm
  Scenario: Each default has an option that changes it
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    And its fence is: user root, NET_RAW given back, 64 processes, 1024 open files, a 16m /tmp, a read-only root, no memory limit
    When the task is submitted
    And the task is running
    Then the kernel shows that its agent can gain NET_RAW and no other capability
    And Docker reports a process limit of 64, an open-file limit of 1024 and no memory limit
    And Docker reports that the agent runs as root, with a 16m tmpfs at /tmp, on a read-only root filesystem
    When the user kills the task
    Then the task ends "killed"

  @C-2.40 @C-5.2
  @on-swarm
  Scenario Outline: An agent given root still cannot <attempt>
    Given a workspace
    And a task whose agent runs as root and, once let go, tries to <attempt> with "<command>"
    When the task is submitted
    And the task is "running"
    Then the kernel shows that its agent runs as uid 0
    And the kernel shows that its agent holds no capability and can gain none, before the attempt
    When the agent is let go on
    Then the attempt said "<refusal>" and exited with code <code>

    Examples:
      | attempt                | command                  | refusal                                                     | code |
      | open a raw socket      | ping -c 1 127.0.0.1      | ping: permission denied (are you root?)                     | 1    |
      | mount a filesystem     | mount -t tmpfs none /tmp | mount: permission denied (are you root?)                    | 1    |
      | take a root-owned file | chown 1000 /bin/sh       | chown: /bin/sh: Operation not permitted                     | 1    |
      | load a kernel module   | insmod /bin/sh           | insmod: can't insert '/bin/sh': Operation not permitted     | 1    |
      | change the clock       | date -s 2000-01-01       | date: can't set date: Operation not permitted               | 0    |

  # Not @on-swarm: the swarm API (1.41) cannot set no-new-privileges.
  @C-5.2 @C-2.39
  Scenario: A setuid-root program does not raise the agent's privileges
    Given an image holding a setuid-root program that reports the ids it runs with
    And a task that runs that program as the default user
    When the task is submitted
    And the task has ended
    Then the program reported that it is setuid-root, and that it ran with user id 1000 and effective user id 1000
    And Docker reports that its container ran with no-new-privileges, as user 1000:1000

  # serial: the bomb loads the machine, and the host's answer is timed.
  @serial
  @C-2.41
  Scenario: A fork bomb is contained by the process limit, and the host stays responsive
    Given a workspace
    And a task whose agent waits for the go file, then runs a fork bomb, with a process limit of 64 and a deadline of 12 seconds
    When the task is submitted
    And the task is "running"
    Then Docker reports a process limit of 64 before the bomb is let go
    When the agent is let go on
    Then the kernel counts the container at its process limit of 64
    And a command on the host answers within a second, three times, while the bomb runs
    And the task ends "timed_out"
    And its container no longer exists, removed before its end was recorded

  @C-2.43 @C-9.16
  @on-swarm
  Scenario: Writing without end to /tmp stops at the tmpfs's size, and under 1 MiB reaches the container's layer
    Given a workspace
    And a task whose agent, once let go, writes to /tmp until it cannot and says what it wrote
    When the task is submitted
    And the task is "running"
    Then Docker reports a 256m tmpfs at /tmp before the writing starts
    When the agent is let go on
    And its log holds "written" by now
    Then the agent said "No space left on device" and wrote at most 256 MiB
    And Docker reports that the container's writable layer holds less than 1 MiB
    When the agent is let go on again
    Then the task ends "completed"

  @C-2.43 @C-9.16
  @on-swarm
  Scenario: Programs may run from /tmp, as agents' CLIs and tests need, while setuid bits and devices there stay inert
    Docker mounts a tmpfs noexec unless told otherwise; copilot unpacks native code into
    its cache under HOME (/tmp here) and could not start (see features/real_agents.feature).
    Given a task whose command copies /bin/busybox into /tmp, runs the copy, and prints its own mount of /tmp
    When the task is submitted
    And the task has ended
    Then the task is "completed" with exit code 0
    And the copy in /tmp ran
    And the container's own /proc/mounts shows /tmp with nosuid and nodev, and without noexec
