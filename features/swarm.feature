Feature: Tasks on a Docker Swarm cluster
  With --backend swarm the runner drives tasks on a Swarm whose manager DOCKER_HOST
  names: each task is a service with one replica that never restarts, placed by the
  cluster on one of its nodes. The state dir stays on the submitting machine. Each
  scenario runs on the test Swarm (scripts/provision-swarm.sh: three managers on
  loopback, each its own dockerd) and checks what happened by the nodes' own engines:
  their events and their containers, not the runner's account.

  @docker-only @swarm-cluster @swarm
  @C-9.1 @C-9.4 @C-5.1 @C-6.9 @C-6.10
  Scenario: A task on the cluster ends with its agent's exit code and every byte of its output
    Given the test Swarm's three nodes are ready
    When the user runs an agent on the Swarm that writes 3000 numbered lines and a last line without a newline, then exits with code 3
    Then the command exits with status 3
    And the task on the Swarm has ended
    And the task is "failed" with exit code 3
    And the task's log is byte for byte what the agent wrote
    And exactly one node's own engine reports the task's container starting, then dying with code 3
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.2 @C-9.4
  Scenario: A cancel on the cluster sends the agent SIGTERM, and it shuts down cleanly
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that traps SIGTERM and says so with "run --detach --grace 10"
    And the agent on the Swarm has said it is ready
    And the user runs "cancel {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "cancelled" with exit code 0
    And the task's log says "got SIGTERM"
    And the node's own engine reports signal 15 sent to the agent, and no other
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.2
  Scenario: A cancel on the cluster sends SIGKILL once the grace has run out
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that ignores SIGTERM with "run --detach --grace 1"
    And the agent on the Swarm has said it is ready
    And the user runs "cancel {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "cancelled" with exit code 137
    And the node's own engine reports signal 15, then signal 9 sent to the agent
    And the node's own engine reports signal 9 once the grace of 1 second had run out after signal 15, and less than 5 seconds after it
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.2 @C-9.4
  Scenario: A kill on the cluster is an immediate SIGKILL through the node's own engine
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that traps SIGTERM and says so with "run --detach --grace 30"
    And the agent on the Swarm has said it is ready
    And the user runs "kill {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And the node's own engine reports signal 9 sent to the agent, and no other
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.4 @C-9.6 @C-4.22
  Scenario: A task whose service someone else removes ends "failed", and nothing of it is left, its secret included
    The cluster removes the service's container in its own time, but not its /tmp volume
    on the node or its Swarm secret: the runner removes those.
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that prints the MD5 of its secret TOKEN, then waits, with "run --detach --secret TOKEN" and TOKEN a fresh value in the host's environment
    And the agent on the Swarm has said it is ready
    And someone else removes the task's service through the manager, as "docker service rm" does
    And the task on the Swarm has ended
    Then the task is "failed"
    And its error says "container lost: it was removed while the agent ran"
    And nothing of the task is left on the cluster: no service, no secret, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.4
  Scenario: A task's /tmp volume that another container holds as the task ends is removed once that container goes
    The node refuses to remove a volume that a container mounts; the runner tries again
    for a while (the node may still be removing the task's own container).
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach"
    And the agent on the Swarm has said it is ready
    And a container of the scenario's own, on the task's node, mounts the task's /tmp volume
    And the user runs "kill --no-wait {id}" on the Swarm
    And a second after the node's engine removed the task's container, the scenario removes its own
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.4 @C-9.6 @C-3.10
  Scenario: A service someone else removes while no supervisor watches it: recover ends its task and removes its secret and its /tmp volume
    No process has read where the task's container was, so its /tmp volume and its
    secret are found as orphans of the store, once the cluster has removed the
    container (in its own time): recover removes them when the task has ended.
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that prints the MD5 of its secret TOKEN, then waits, with "run --detach --secret TOKEN" and TOKEN a fresh value in the host's environment
    And the agent on the Swarm has said it is ready
    And the task's detached supervisor is killed with SIGKILL
    And someone else removes the task's service through the manager, as "docker service rm" does
    And its node's own engine reports the task's container destroyed
    And the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then the command exits with status 0
    And the task on the Swarm has ended
    And the task is "failed"
    And its output says "orphan container secret agents-runner-"
    And its output says "orphan container volume agents-runner-"
    And its output names the volume's node as the manager names the node that ran the task
    And nothing of the task is left on the cluster: no service, no secret, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-5.1 @C-9.4
  Scenario: A service of this store that no task knows is an orphan recover removes from the cluster; another store's is left alone
    Given the test Swarm's three nodes are ready
    And a service on the Swarm of this store that no task knows, and one of another store
    When the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then the command exits with status 0
    And its output names the orphan as removed, and the task id it carries that no task has
    And the manager no longer lists the orphan service, and still lists the other store's

  @docker-only @swarm-cluster @swarm
  @C-9.3
  Scenario: A task on the cluster that outlives its deadline is stopped and ends timed out
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach --timeout 1 --grace 5"
    And the task on the Swarm has ended
    Then the task is "timed_out" with exit code 143
    And the node's own engine reports signal 15 sent to the agent, and no other
    And nothing of the task is left on any node: no service, no container, no volume

  # Alone on the Swarm: its scheduler puts a task on the node that runs the fewest tasks
  # of any service; other scenarios' tasks on the test Swarm (those that hold a node
  # with a reservation) would decide where these six go. The six wait to be let go, so
  # each is placed while those before it still run: tasks that end before the next is
  # placed leave every node as empty as the others, and the scheduler picks any.
  @docker-only @swarm-cluster @swarm @swarm-alone
  @C-9.5 @C-9.4 @C-9.10
  Scenario: Six tasks run at once spread over the three nodes
    Given the test Swarm's three nodes are ready
    And a workspace
    When the user runs "config max-running 6" on the Swarm
    And the user starts 6 agents on the Swarm with "run --detach" in the workspace, each waiting to be let go
    And the nodes' own engines report each of the 6 tasks' containers started
    And the agents are let go on
    Then every task on the Swarm ends "completed" with exit code 0
    And the nodes' own engines ran the 6 tasks on all three nodes, each started before any died
    And nothing of any of the tasks is left on any node

  @docker-only @swarm-cluster @swarm
  @C-9.6 @C-9.4
  Scenario: A secret reaches the agent on the cluster, and no inspect and no node's Swarm state holds it
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that prints the MD5 of its secret TOKEN, then waits, with "run --detach --secret TOKEN" and TOKEN a fresh value in the host's environment
    And the agent on the Swarm has said it is ready
    Then the task's log holds the MD5 of the secret: the agent had it
    And neither the manager's inspect of the task's service and of its task, nor its node's inspect of its container, holds the secret
    And no file of any node's Swarm state holds the secret in plain text, where a worker's task store holds the task's id (the raft log is encrypted at rest)
    And the task on the Swarm has ended
    And the task is "completed" with exit code 0
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.5 @C-2.60
  Scenario: A constraint places the task on the node it names, by that node's own engine
    Given the test Swarm's three nodes are ready
    When the user runs "run --constraint node.hostname==agents-runner-swarm-2 -- sh -c 'echo placed'" on the Swarm
    Then the command exits with status 0
    And only agents-runner-swarm-2's own engine reports the task's container
    And nothing of the task is left on any node: no service, no container, no volume

  # Alone on the Swarm: while a node lacks its label, another scenario's task placed there
  # would lose what the runner and the checks do through that node's engine.
  @docker-only @swarm-cluster @swarm @swarm-alone
  @C-9.7 @C-9.1
  Scenario: Without its node's engine label, a task's log comes whole through the manager; its /tmp volume stays until recover
    Given the test Swarm's three nodes are ready
    And a node that neither leads the Swarm nor is the manager the runner talks to
    And that node's engine label is taken away through the manager
    When the user runs an agent on the Swarm, placed on that node by a constraint, that writes 3000 numbered lines and a last line without a newline, then exits with code 3
    Then the command exits with status 3
    And the task is "failed" with exit code 3
    And the task's log is byte for byte what the agent wrote
    And only that node's own engine reports the task's container
    And the node's own engine reports the container died with code 3
    And no service and no container of the task is left on any node
    And that node's own engine still holds the task's tmpfs volume, which the cluster does not remove
    And its error output says the task's /tmp volume stays on that node, for want of its label
    When that node's engine label is put back through the manager
    And the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then its output says "volume"
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm @swarm-alone
  @C-9.7 @C-9.2
  Scenario: Without its node's engine label, a kill stops the task's service: SIGTERM, then SIGKILL once the grace has run out
    Given the test Swarm's three nodes are ready
    And a node that neither leads the Swarm nor is the manager the runner talks to
    And that node's engine label is taken away through the manager
    When the user starts an agent on the Swarm that ignores SIGTERM with "run --detach --grace 1", placed on that node by a constraint
    And the agent on the Swarm has said it is ready
    And the user runs "kill {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And the node's own engine reports signal 15, then signal 9 sent to the agent
    When that node's engine label is put back through the manager
    And the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm @swarm-alone
  @C-9.7 @C-9.3
  Scenario: Without its node's engine label, a deadline stops the task's service and the task ends timed out
    Given the test Swarm's three nodes are ready
    And a node that neither leads the Swarm nor is the manager the runner talks to
    And that node's engine label is taken away through the manager
    When the user starts an agent on the Swarm that ignores SIGTERM with "run --detach --timeout 2 --grace 1", placed on that node by a constraint
    And the task on the Swarm has ended
    Then the task is "timed_out" with exit code 137
    And the node's own engine reports signal 15, then signal 9 sent to the agent
    When that node's engine label is put back through the manager
    And the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then nothing of the task is left on any node: no service, no container, no volume

  # serial: it SIGKILLs one of the test Swarm's engines, which the other @swarm scenarios use.
  @docker-only @swarm-cluster @swarm @serial
  @C-9.8
  Scenario: A task whose node's engine is SIGKILLed ends failed, "node lost", its container goes when the node returns, and recover removes its /tmp
    Given the test Swarm's three nodes are ready
    And a node that neither leads the Swarm nor is the manager the runner talks to
    When the user starts an agent on the Swarm that sleeps with "run --detach", placed on that node by a constraint
    And the agent on the Swarm has said it is ready
    And that node's dockerd is SIGKILLed
    And the task on the Swarm has ended
    Then with no exit code, the task is "failed" for the reason "node lost"
    And its end was recorded less than 30 seconds after the SIGKILL
    When that node's dockerd is started again
    Then no service and no container of the task is left on any node once that node is back
    And that node's own engine still holds the task's tmpfs volume, which the cluster does not remove
    When the user runs "--backend swarm recover --orphan-grace 0" on the Swarm
    Then its output says "volume"
    And nothing of the task is left on any node: no service, no container, no volume

  # serial: it SIGKILLs the test Swarm's leader, whom the other @swarm scenarios may talk to.
  @docker-only @swarm-cluster @swarm @serial
  @C-9.9
  Scenario: The leader the runner talks to is SIGKILLed while a task runs on another node; no task and no end is lost
    Given the test Swarm's three nodes are ready
    And the runner talks to the test Swarm's leader
    When the user starts an agent on the Swarm that sleeps 8 seconds, then says "done", on a node that does not lead
    And the agent on the Swarm has said it is ready
    And the leader's dockerd is SIGKILLed
    And the task on the Swarm has ended
    Then the task is "completed" with exit code 0
    And the task's log says "done"
    And the node's own engine reports the container died with code 0
    And another manager leads the Swarm
    When the leader's dockerd is started again
    Then nothing of the task is left on any node once the leader is back

  @docker-only @swarm-cluster @swarm
  @C-9.10 @C-8.4 @C-6.9
  Scenario: The page's API submits a task to the Swarm, and the Kill button's request kills it there
    Given the test Swarm's three nodes are ready
    And the page is served for the scenario's state dir, with AGENTS_RUNNER_BACKEND=swarm
    When a task whose agent says it is ready, then sleeps, is posted to the page's API
    And the agent on the Swarm has said it is ready
    And a kill of the task is posted to the API with the token
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And the node's own engine reports signal 9 sent to the agent, and no other
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.11 @C-9.12
  Scenario: A recover with one engine leaves a task of the Swarm alone; one with --backend swarm takes it over
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach --grace 10"
    And the agent on the Swarm has said it is ready
    Then the task's payload on disk says "backend": "swarm"
    When the task's detached supervisor is killed with SIGKILL
    And the user runs "recover" with one engine, the machine's own
    Then its output says "runs on the swarm backend, not docker; left for 'agents-runner --backend swarm recover'"
    And the stored task is still "running"
    And the manager still lists the task's service, and its node's own engine runs its container
    When the user runs "--backend swarm recover" on the Swarm
    Then the command exits with status 0
    And its output says the task's container still runs and is driven
    When the user runs "kill {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.13 @C-9.15
  Scenario: A task no node has room for stays queued with the cluster's reason, and runs once room is made
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-2"
    And the agent on the Swarm has said it is ready
    And the user starts a second agent on the Swarm that says "second" with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-2"
    Then the manager holds the second task's Swarm task pending, for "insufficient resources"
    And "show" says the second task is "queued", waiting for the cluster to place it: "insufficient resources"
    And no node's own engine has a container of the second task
    When the user runs "kill {first}" on the Swarm
    Then the second task ends "completed" with exit code 0 on the Swarm
    And the second task's recorded history is queued, pulling, starting, running, completed, in that order
    And agents-runner-swarm-2's own engine reports the second task's container starting after the first task's died
    And nothing of any of the tasks is left on any node

  @docker-only @swarm-cluster @swarm @registry
  @C-9.14
  Scenario: The node that runs the task pulls its image, and the task shows that pull's progress
    Given the test Swarm's three nodes are ready
    And an image that only the registry has, served at 256 KiB a second and held back half-way
    When the user starts an agent on the Swarm in that image that says "pulled on the node", with "run --detach --constraint node.hostname==agents-runner-swarm-3"
    And the task is pulling, with half of its layer sent and the rest held back
    Then "show" says the task is "pulling", with a recorded percentage from 1% to 99%
    And no node's own engine has the image yet
    When the registry lets the rest of the layers through
    And the task on the Swarm has ended
    Then the task is "completed" with exit code 0
    And the task's log says "pulled on the node"
    And its recorded history is queued, pulling, starting, running, completed, in that order
    And its recorded pull progress counts every layer as done
    And of the nodes' own engines, only agents-runner-swarm-3's has the image
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm @registry
  @C-9.14
  Scenario: A task whose node was pulling its image when its supervisor was killed is taken over by recover once it runs
    Given the test Swarm's three nodes are ready
    And an image that only the registry has, served at 256 KiB a second and held back half-way
    And the user has run "config max-running 1" on the Swarm
    When the user starts an agent on the Swarm in that image that says "ready", then sleeps, with "run --detach --constraint node.hostname==agents-runner-swarm-3"
    And the task is pulling, with half of its layer sent and the rest held back
    And the task's detached supervisor is killed with SIGKILL
    And the registry lets the rest of the layers through
    And agents-runner-swarm-3's own engine reports the task's container starting
    And the user runs "--backend swarm recover" on the Swarm
    Then the command exits with status 0
    And its output says the task's container still runs and is driven
    When the agent on the Swarm has said it is ready
    And the user runs "kill {id}" on the Swarm
    And the task on the Swarm has ended
    Then the task is "killed" with exit code 137
    And its recorded history is queued, pulling, starting, running, killed, in that order
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm @registry
  @C-9.14
  Scenario: With --pull never the node still pulls the image, and the task records no pull progress
    Given the test Swarm's three nodes are ready
    And an image that only the registry has, served at 256 KiB a second
    When the user starts an agent on the Swarm in that image that says "pulled all the same", with "run --detach --pull never --constraint node.hostname==agents-runner-swarm-1"
    And the task on the Swarm has ended
    Then the task is "completed" with exit code 0
    And the task's log says "pulled all the same"
    And its recorded history is queued, pulling, starting, running, completed, in that order
    And it has no recorded pull progress
    And of the nodes' own engines, only agents-runner-swarm-1's has the image
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm @registry
  @C-9.14
  Scenario: A task whose image its node cannot pull ends failed with the cluster's words and no exit code
    Given the test Swarm's three nodes are ready
    And a tag the registry does not have
    When the user runs "run -- echo never" on the Swarm in that tag
    Then the command exits with status 125
    And the task ended "failed" with no exit code, for the cluster's words that it has no such image
    And its recorded history is queued, pulling, failed, in that order
    And no node's own engine ever had a container of the task
    And nothing of the task is left on any node: no service, no container, no volume

  @docker-only @swarm-cluster @swarm
  @C-9.13 @C-1.19
  Scenario: A cancel of a task the cluster still has queued removes its service first, then ends it cancelled
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-3"
    And the agent on the Swarm has said it is ready
    And the user starts a second agent on the Swarm that says "second" with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-3"
    And the manager holds the second task's Swarm task pending, for "insufficient resources"
    And the second task's record and the manager's services are sampled together from now on
    And the user runs "cancel {second}" on the Swarm
    Then no sample saw the second task's end recorded while the manager still listed its service
    And the second task ends "cancelled" with no exit code on the Swarm
    And no node's own engine ever had a container of the second task
    When the user runs "kill {first}" on the Swarm
    Then nothing of any of the tasks is left on any node

  @docker-only @swarm-cluster @swarm
  @C-9.13 @C-9.11
  Scenario: A task the cluster had queued when its supervisor was killed is taken over once it runs
    Given the test Swarm's three nodes are ready
    When the user starts an agent on the Swarm that sleeps with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-1"
    And the agent on the Swarm has said it is ready
    And the user starts a second agent on the Swarm that says "second" with "run --detach --cpus 1.5 --constraint node.hostname==agents-runner-swarm-1"
    And the manager holds the second task's Swarm task pending, for "insufficient resources"
    And the second task's detached supervisor is killed with SIGKILL
    And the user runs "kill {first}" on the Swarm
    And agents-runner-swarm-1's own engine reports the second task's container starting
    And the user runs "--backend swarm recover" on the Swarm
    Then the second task ends "completed" with exit code 0 on the Swarm
    And the second task's recorded history is queued, pulling, starting, running, completed, in that order
    And the second task's log says "second"
    And nothing of any of the tasks is left on any node

  @docker-only @swarm-cluster @swarm
  @C-9.17
  Scenario Outline: A Python program runs a task on the cluster through SwarmEngine.at, whatever DOCKER_HOST names: <way>
    Given the test Swarm's three nodes are ready
    When a Python program runs "from python" on agents-runner-swarm-2 through TaskRunner(engine=SwarmEngine.at(the manager's address)) and <way>, with DOCKER_HOST naming the machine's own engine
    Then it exits with status 0
    And it printed "completed 0 swarm" and "from python"
    And only agents-runner-swarm-2's own engine reports the task's container
    And nothing of the task is left on any node: no service, no container, no volume

    Examples:
      | way             |
      | submit          |
      | submit_detached |
