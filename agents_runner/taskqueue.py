"""The queue of a state dir: every task of every process waits its turn here.

Layout under <state dir>/queue/ (docs/CONTRACT.md section 4):
    settings.json   {"max_running": N, "pools": {"NAME": N}}, written atomically
    lock            the flock every admission holds
    seq             the last submission number handed out
    waiting/<rank>~<seq>~<task id>~<pool>~<owner pid>~<owner start>
                    one ticket per waiting task; the names sort in queue order
                    (higher priority first, then submission order)
    running/<task id>~<pool>
                    one per task holding a slot, from its admission to its end

A slot belongs to a task, not to a process: it is freed when the task ends (its
marker leaves the store's active/ index), whoever ends it. A ticket whose owner died
is passed over and reported, so that its task is ended as interrupted; a slot whose
task's owner died is reported, so that the task is taken over. Nothing a dead process
leaves here blocks the line. Only stdlib imports: `list` and `show` read it too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

from .proc import start_ticks
from .queue_settings import MAX_PRIORITY, QueueSettings, UnreadableSettings, read_settings

_SEP = "~"


class Ticket:
    """A waiting task, as its ticket's name says."""

    def __init__(self, name: str) -> None:
        rank, seq, task_id, pool, pid, started = name.split(_SEP)
        if not (rank.isdigit() and seq.isdigit()):  # the name's order is the line's
            raise ValueError(f"not a ticket: {name}")
        self.name = name
        self.rank, self.seq = int(rank), int(seq)
        self.task_id = task_id
        self.pool = pool or None
        self.pid = int(pid)
        self.started = int(started)

    @staticmethod
    def name_for(
        task_id: str, seq: int, priority: int, pool: str | None, pid: int, started: int
    ) -> str:
        rank = MAX_PRIORITY - priority
        return _SEP.join(
            (f"{rank:07d}", f"{seq:012d}", task_id, pool or "", str(pid), str(started))
        )

    def owner_alive(self) -> bool:
        return start_ticks(self.pid) == self.started


class Admission:
    """What one pass through the queue found: the tasks it gave a slot to, the waiting
    tasks whose owner is dead, and the slot holders a caller should check."""

    def __init__(self) -> None:
        self.admitted: list[str] = []
        self.dead_waiters: list[str] = []
        self.holders: list[str] = []


class TaskQueue:
    """The queue under one state dir (`root`), shared by every process that uses it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.folder = self.root / "queue"
        self.waiting_dir = self.folder / "waiting"
        self.running_dir = self.folder / "running"
        self.active_dir = self.root / "active"  # the store's index of unfinished tasks
        self.settings_path = self.folder / "settings.json"

    def ensure(self) -> None:
        for folder in (self.folder, self.waiting_dir, self.running_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    @property
    def watched_folders(self) -> list[Path]:
        """Where a change may let a waiter in: tickets, slots, settings, task ends."""
        return [self.folder, self.waiting_dir, self.running_dir, self.active_dir]

    # -- settings ---------------------------------------------------------------

    def settings(self) -> QueueSettings:
        """The settings in effect: the defaults where the file cannot be read (`config`
        says so)."""
        try:
            return self.stored_settings()
        except UnreadableSettings:
            return QueueSettings()

    def stored_settings(self) -> QueueSettings:
        """The settings as stored (the defaults where there is no file yet);
        UnreadableSettings, saying why, for a file that cannot be read or holds a bad value."""
        return read_settings(self.settings_path)

    def change_settings(self, change: Callable[[QueueSettings], None]) -> None:
        """Read, change and write the settings under the queue's lock, so that changes
        made at once are all kept. A stored file that cannot be read is left as it is
        (UnreadableSettings)."""
        self.ensure()
        with self._locked():
            settings = self.stored_settings()
            change(settings)
            self._write_settings(settings)

    def write_settings(self, settings: QueueSettings) -> None:
        """Set the settings whole, under the queue's lock."""
        self.ensure()
        with self._locked():
            self._write_settings(settings)

    def _write_settings(self, settings: QueueSettings) -> None:
        from .store_files import write_atomically  # a writer's import: the readers skip it

        data = json.dumps(settings.to_payload(), indent=2).encode() + b"\n"
        write_atomically(self.settings_path, data)

    # -- entering and leaving -----------------------------------------------------

    def enter(
        self, task_id: str, *, priority: int = 0, pool: str | None = None, owner_pid: int
    ) -> None:
        """Put a waiting task in line behind every task submitted before it (of its
        priority). Its owner is the process that will run it: a task already in line (a
        runner that drives a task whose process died) keeps its place, under its new owner."""
        self.ensure()
        started = start_ticks(owner_pid) or 0
        with self._locked():
            tickets = self._tickets()
            ticket = next((t for t in tickets if t.task_id == task_id), None)
            if ticket is None:
                seq = self._next_seq(tickets)
                name = Ticket.name_for(task_id, seq, priority, pool, owner_pid, started)
                _touch(self.waiting_dir / name)
            elif (ticket.pid, ticket.started) != (owner_pid, started):
                kept = Ticket.name_for(
                    task_id, ticket.seq, MAX_PRIORITY - ticket.rank, ticket.pool, owner_pid, started
                )
                os.rename(self.waiting_dir / ticket.name, self.waiting_dir / kept)

    def leave(self, task_id: str) -> None:
        """The task no longer waits, and holds no slot (it ended, or was given up)."""
        with contextlib.suppress(FileNotFoundError):
            for name in os.listdir(self.waiting_dir):
                if name.split(_SEP)[2:3] == [task_id]:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.waiting_dir / name)
        with contextlib.suppress(FileNotFoundError):
            for name in os.listdir(self.running_dir):
                if name.split(_SEP)[0] == task_id:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.running_dir / name)

    def holder_ids(self) -> list[str]:
        """The tasks holding a slot now; read only."""
        return [task_id for task_id, _ in self._holders(clean=False)]

    def is_waiting(self, task_id: str) -> bool:
        return self._ticket_of(task_id) is not None

    # -- admission ---------------------------------------------------------------

    def admit(self, mine: set[str], *, whole_line: bool = True) -> Admission:
        """One pass through the line, under the queue's lock: every task ahead that can
        start keeps its slot free for its owner; of `mine`, those whose turn it is are
        given their slot. Without `whole_line` the pass stops where no slot is left
        (dead waiters further back are found by a later whole pass)."""
        found = Admission()
        self.ensure()
        with self._locked():
            settings = self.settings()
            holders = self._holders()
            found.holders = [task_id for task_id, _ in holders]
            free = settings.max_running - len(holders)
            per_pool: dict[str, int] = {}
            for _, pool in holders:
                if pool:
                    per_pool[pool] = per_pool.get(pool, 0) + 1
            unseen = set(mine)
            first_live = True
            for ticket in self._tickets():
                if not (self.active_dir / ticket.task_id).exists():
                    _unlink(self.waiting_dir / ticket.name)  # it ended while it waited
                    continue
                if not ticket.owner_alive():
                    found.dead_waiters.append(ticket.task_id)
                    continue
                # The whole line is read by the process at its head; every other reads
                # as far as its own last ticket (dead waiters behind it stop no one).
                if first_live:
                    first_live, head = False, ticket.task_id in mine
                unseen.discard(ticket.task_id)
                if free <= 0:
                    if not whole_line or (not unseen and not head):
                        break
                    continue  # read on, only to find dead waiters
                size = settings.pools.get(ticket.pool or "")
                if size is not None and per_pool.get(ticket.pool or "", 0) >= size:
                    continue
                if ticket.task_id in mine:
                    holder = self.running_dir / _SEP.join((ticket.task_id, ticket.pool or ""))
                    try:
                        os.rename(self.waiting_dir / ticket.name, holder)
                    except FileNotFoundError:  # taken back meanwhile (a cancel takes no lock)
                        continue
                    found.admitted.append(ticket.task_id)
                free -= 1
                if ticket.pool:
                    per_pool[ticket.pool] = per_pool.get(ticket.pool, 0) + 1
        return found

    def clean(self) -> int:
        """Remove tickets and slots whose task has ended (what dead processes left);
        how many were removed."""
        removed = 0
        with contextlib.suppress(FileNotFoundError), self._locked():
            for ticket in self._tickets():
                if not (self.active_dir / ticket.task_id).exists():
                    _unlink(self.waiting_dir / ticket.name)
                    removed += 1
            before = len(os.listdir(self.running_dir))
            removed += before - len(self._holders())
        return removed

    # -- what people see ---------------------------------------------------------------

    def places(self) -> dict[str, tuple[int, str | None]]:
        """Each waiting task's place in line (1 is next) and its pool; read only."""
        line = [t for t in self._tickets() if (self.active_dir / t.task_id).exists()]
        return {t.task_id: (place, t.pool) for place, t in enumerate(line, start=1)}

    def why_waiting(self, task_id: str, placement: str | None = None) -> str | None:
        """Why a waiting task has not started, in a person's words; read only. A task
        past the queue that a cluster has not placed yet (`placement`: the cluster's
        words) waits for the cluster."""
        ticket = self._ticket_of(task_id)
        if ticket is None:
            return f"waiting for the cluster to place it: {placement}" if placement else None
        settings = self.settings()
        holders = self._holders(clean=False)
        place = self.places().get(task_id, (0, None))[0]
        if ticket.pool and ticket.pool in settings.pools:
            in_pool = sum(1 for _, pool in holders if pool == ticket.pool)
            size = settings.pools[ticket.pool]
            if in_pool >= size:
                return f"waiting for a slot in pool {ticket.pool}: {in_pool} of {size} running"
        running = len(holders)
        if running >= settings.max_running:
            return f"waiting for a slot: {running} of {settings.max_running} running"
        if place > 1:
            return f"waiting for its turn: {place - 1} ahead of it"
        return "about to start"

    # -- internals ---------------------------------------------------------------

    def _tickets(self) -> list[Ticket]:
        try:
            names = sorted(os.listdir(self.waiting_dir))
        except FileNotFoundError:
            return []
        tickets = []
        for name in names:
            with contextlib.suppress(ValueError):
                tickets.append(Ticket(name))
        return tickets

    def _ticket_of(self, task_id: str) -> Ticket | None:
        return next((t for t in self._tickets() if t.task_id == task_id), None)

    def _holders(self, *, clean: bool = True) -> list[tuple[str, str | None]]:
        """Tasks holding a slot; one whose task has ended frees it (removed when `clean`)."""
        try:
            names = os.listdir(self.running_dir)
        except FileNotFoundError:
            return []
        holders = []
        for name in names:
            task_id, _, pool = name.partition(_SEP)
            if (self.active_dir / task_id).exists():
                holders.append((task_id, pool or None))
            elif clean:
                _unlink(self.running_dir / name)
        return holders

    def _next_seq(self, tickets: list[Ticket]) -> int:
        """The next submission number: past the last handed out and past every waiting
        ticket's, so a number lost in a crash mid-write never puts a task ahead. (Written
        in place: a rename in queue/ would wake every waiter.)"""
        path = self.folder / "seq"
        try:
            last = int(path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError, UnicodeDecodeError):
            last = 0
        seq = max([last, *(ticket.seq for ticket in tickets)]) + 1
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, f"{seq}\n".encode())
        finally:
            os.close(fd)
        return seq

    @contextlib.contextmanager
    def _locked(self):  # type: ignore[no-untyped-def]
        # Read-only: closing it is no write (inotify would wake every waiter).
        fd = os.open(self.folder / "lock", os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _touch(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
