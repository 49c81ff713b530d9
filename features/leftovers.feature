Feature: Nothing is left behind
  "prune" removes every file of a task it prunes, its lock file included. A secret
  given to "run --detach" reaches the detached supervisor, never through its
  environment. A test run that was killed leaves containers and folders; the
  next run's start-up removes them, and never what a live run owns.

  Rule: "prune" removes every file of a task it prunes

    @C-2.14 @C-3.11 @C-4.3
    Scenario: "prune" removes a pruned task's payload, log and lock file
      Given a task that runs the "echo" agent with the prompt "prune me"
      And the task is submitted
      And the task has ended
      When the user runs "prune --older-than 0"
      Then the command exits with status 0
      And no file in the state dir names the task

  Rule: A secret handed to a detached supervisor never travels in its environment

    @C-2.6 @C-3.15
    Scenario: A secret handed to "run --detach" is not in the supervisor's environment
      Given a workspace
      And a secret API_TOKEN with a value never seen before
      When the user runs a waiting agent with "run --detach --secret API_TOKEN", the value in $API_TOKEN
      Then the detached supervisor's environment holds no trace of the secret
      When the agent is let go on
      Then the task ends "completed"

  Rule: The acceptance suite reaps what a killed run left on its own engine, and nothing else

    @C-7.1 @C-7.3 @C-5.4
    Scenario: A killed test run's containers and folders are reaped by the next run
      Given a test run process that registered, made a folder and started a container
      When that test run process is killed with SIGKILL
      And a later run starts and reaps what dead runs left
      Then the dead run's container and folder are gone
      And this run's own state dir and registration are untouched

    @C-7.3
    Scenario: A killed test run's hung detached supervisor is ended by the next run
      Given a test run process that registered and started a detached task in a folder of its own
      And that task's detached supervisor hangs, stopped by SIGSTOP
      When that test run process is killed with SIGKILL
      And a later run starts and reaps what dead runs left
      Then the dead run's detached supervisor has exited, as /proc shows
      And the dead run's container and folder are gone

    @C-7.3
    Scenario: A killed test run on another engine is left for that engine's next run to reap
      Given a test run process on another engine that registered and made a folder
      When that test run process is killed with SIGKILL
      And a later run starts and reaps what dead runs left
      Then the other engine's dead run is still registered, and its folder is still there
