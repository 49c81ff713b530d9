Feature: Containers run hardened, within limits
  Every container runs with an init process, never privileged, with
  no-new-privileges, and never with the Docker socket. A task may set a memory and a
  CPU limit; a task the kernel kills for exceeding its memory ends "failed" with an
  out-of-memory reason.

  # The agent outlives its worker for a second, as a CLI that runs its work in a child
  # process may. The engine may not report the kill (Podman 4.3 here never does, Docker
  # 20.10 sometimes not under load: docs/ENGINES.md); the kernel's log always names it.
  @C-1.7 @C-2.37 @C-4.23
  Scenario: A task over its memory limit ends failed, out of memory
    Given a task whose agent's worker allocates 64 MiB under a memory limit of 16m, the agent exiting with the worker's status a second later
    When the task is submitted
    And the task has ended
    Then the task is "failed" with exit code 137
    And the kernel's log reports an out-of-memory kill in its container's memory cgroup
    And its error says "out of memory"
    And its container no longer exists, removed before its end was recorded

  @C-5.2 @C-2.37 @C-2.38
  Scenario: The container's hardening and limits, as Docker reports them
    Given a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM
    And its limits are 64m of memory and 1.5 CPUs
    When the task is submitted
    And the task is running
    Then Docker reports its container runs with an init process and no-new-privileges, not privileged, with no added capability or device and no namespace of the host
    And the engine reports no mount of its own socket or Docker's, or of a folder that holds one
    And Docker reports a memory limit of 64m without swap and 1.5 CPUs
    When the user kills the task
    Then the task ends "killed"
