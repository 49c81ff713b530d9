Feature: Any image with a POSIX shell
  An agent's image need not have /etc/passwd, /etc/group or a /tmp that anyone may
  write: minimal images ship without them. "--user root" means uid 0 whatever the
  image holds; the agent's /tmp is writable for the agent's own user; and a user name
  the image cannot resolve fails the task with a reason that says so, before the
  agent runs. Each scenario runs an image made from the test image without
  /etc/passwd and /etc/group, its /tmp 0755 and root's.

  Background:
    Given an image with no /etc/passwd or /etc/group, whose /tmp is 0755 and root's

  @C-2.39
  Scenario: "--user root" runs the agent as uid 0 in an image that has no passwd file
    When the user runs "run --image {bare_image} --user root -- id -u"
    Then the command exits with status 0
    And its output is exactly "0"

  @C-2.39 @C-2.43
  Scenario: The agent's /tmp is writable for its own user in an image whose /tmp is root's
    When the user runs "run --image {bare_image} --user 1000:1000 -- sh -c 'echo kept >/tmp/file && cat /tmp/file && id -u'"
    Then the command exits with status 0
    And its output is exactly "kept\n1000"

  @C-2.39 @C-3.2
  Scenario: A user name the image cannot resolve fails the task before the agent runs, saying so
    When the user runs "run --image {bare_image} --user agent -- echo the agent ran"
    Then the command exits with status 125
    And its error output says "the image has no user 'agent'"
    And the task's container never started, by the engine's events
