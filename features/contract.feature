Feature: The contract's transition table is the one the code enforces
  docs/CONTRACT.md states which state changes are legal. The table below writes
  them out again, independently of the product's code: the suite checks that the
  code allows exactly these transitions and refuses every other one, and that the
  document states the same table. A change to one of the three fails here.

  @C-1.11 @C-1.12 @C-2.55
  Scenario: Exactly the documented transitions are allowed, and no other
    Given the legal transitions are
      | source state | allowed targets                              |
      | queued       | pulling, starting, cancelled, killed, failed |
      | pulling      | starting, cancelled, killed, failed          |
      | starting     | running, cancelled, killed, failed           |
      | running      | completed, failed, stopping, killed          |
      | stopping     | cancelled, timed_out, killed                 |
      | completed    | none                                         |
      | failed       | none                                         |
      | cancelled    | none                                         |
      | killed       | none                                         |
      | timed_out    | none                                         |
    Then the table names every state the code knows, and no other
    And the code allows every transition in the table
    And the code refuses every other transition with InvalidTransition
    And docs/CONTRACT.md states the same transitions
