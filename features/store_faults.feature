Feature: A damaged payload or a full disk loses nothing already stored
  A request on a task whose payload cannot be read answers at once; a payload
  written by a newer agents-runner is left where it is, for that version to read. When
  the state dir's disk fills up while an agent runs, its container (the last copy
  of its exit code) is kept until the end is written, and the end is written as soon
  as there is room again; a Ctrl-C that the full disk cannot record yet is tried again
  until it is, while the run goes on supervising its task.

  Rule: A payload that cannot be read stops nothing: a request on it answers at once

    @C-2.50 @C-4.20 @C-3.22
    Scenario: A request on a task whose payload became unreadable answers at once
      Given a task that runs the "echo" agent with the prompt "soon damaged"
      And the task is submitted
      And the task has ended
      When its stored payload is overwritten with "{not json"
      And the user runs "cancel {id} --no-wait", which must answer within 20 seconds
      Then the command exits with status 2
      And its error output is one line that names "quarantined"

    @C-2.52 @C-4.20
    Scenario: A payload written by a newer version is left in place
      Given a task that runs the "echo" agent with the prompt "from the future"
      And the task is submitted
      And the task has ended
      When its stored payload says it has schema 99
      And the user runs "show {id}", which must answer within 20 seconds
      Then the command exits with status 2
      And its error output is one line that names "newer"
      And the payload is still in place, byte for byte, and nothing is in quarantine

  Rule: A full disk loses nothing already stored, and a task refused on it stores nothing

    # serial: it fills a disk and waits on the runner's retries to notice the room.
    @root @serial
    @C-2.20
    Scenario: Output written while the disk is full reaches the log once there is room, while the agent still runs
      The agent's second line is longer than any room the runner's own files give back
      as it copies, so that the log needs blocks the full disk does not have.
      Given a state dir on a 4 MiB disk of its own
      And a workspace
      And a task whose agent prints "started", then a line of 100,000 bytes when told to, then waits for a signal file
      And the task is submitted
      And the agent has started
      When the state dir's disk is filled up
      And the agent is told to print its long line
      Then the runner warns that it cannot write the log
      When the disk is given room again
      Then the task's log holds the long line while the agent still runs
      When the agent is let go on
      Then the task ends "completed"
      And the task's log holds "started", the long line and "finished", and nothing else

    # serial: it fills a disk and waits on the runner's retries to notice the room.
    @root @serial
    @C-2.20
    Scenario: The disk fills up while the agent runs: the end is kept and written later
      Given a state dir on a 4 MiB disk of its own
      And a workspace
      And a task whose agent waits for a signal file in the workspace
      And the task is submitted
      And the agent has started
      When the state dir's disk is filled up
      And the agent is let go on, to exit with code 7
      Then the runner warns that it cannot record the end and keeps the container
      And while the disk is full Docker still holds the container, exited with code 7
      When the disk is given room again
      Then the task ends "failed"
      And the stored exit code is 7
      And its log holds "finished"
      And the engine holds no container of the task

    @root
    @C-2.20 @C-3.16
    Scenario: Ctrl-C on a foreground run while the disk is full cancels its task once there is room
      Given a state dir on a 4 MiB disk of its own
      And the user runs an agent that announces a clean shutdown on SIGTERM in the foreground in a first terminal, its error output to a file
      And the task is running in the first terminal
      When the state dir's disk is filled up
      And the first terminal's command is sent SIGINT
      Then the first terminal's command says it cannot record the cancel yet, and goes on
      When the disk is given room again
      Then the first terminal's command exits with status 130
      And the task is "cancelled" after the command has exited
      And the agent was sent signal 15 and no other (by the engine's events, its own record and its exit code)
      And its container no longer exists, removed before its end was recorded
      And the first terminal's error output said it cannot record the cancel once each, and holds no traceback

    @root
    @C-2.20 @C-3.16
    Scenario: A second Ctrl-C while the disk is full replaces the cancel not yet recorded: the task is killed once there is room
      Given a state dir on a 4 MiB disk of its own
      And the user runs an agent that announces a clean shutdown on SIGTERM in the foreground in a first terminal, its error output to a file
      And the task is running in the first terminal
      When the state dir's disk is filled up
      And the first terminal's command is sent SIGINT
      Then the first terminal's command says it cannot record the cancel yet, and goes on
      When the first terminal's command is sent SIGINT
      Then the first terminal's command says it cannot record the kill yet, and goes on
      When the disk is given room again
      Then the first terminal's command exits with status 130
      And the task is "killed" after the command has exited
      And the agent was sent signal 9 and no other (by the engine's events, its own record and its exit code)
      And the first terminal's error output said it cannot record the cancel and kill once each, and holds no traceback

    @root
    @C-3.22 @C-2.53
    Scenario: "run" on a full disk fails with one clear line and stores nothing
      Given a state dir on a 4 MiB disk of its own
      And the state dir's disk is filled up
      When the user runs "run --agent echo --prompt hi"
      Then the command exits with status 2
      And its error output is one line that names "No space left on device"
      And its error output names the state dir
      And no container was created

  Rule: A task's lock serialises read-modify-write across processes

    @C-4.3
    Scenario: A process that waits on a task's lock while the task is removed then waits on the new lock file, not the removed one
      The store removes a task's lock file while holding it; a process that was waiting
      on the old file must notice, once it gets it, that the path now leads to another
      file, and lock that one: else two processes would think they hold the same lock.
      Given a task that runs the "echo" agent with the prompt "hi"
      When the task is submitted
      And the task has ended
      And this process holds the task's lock
      And the user runs "rm" on the task in a second terminal, which waits on the task's lock
      And under the lock, this process removes the task, and another thread of it locks a new lock file at the task's lock path, one with a higher inode number, and holds it
      And this process lets go of the first lock
      Then "rm" waits on the new lock file, as /proc/locks shows
      When the other thread lets go of the new lock file
      Then "rm" ends with status 0 and says nothing on stderr, and the task's payload is gone
