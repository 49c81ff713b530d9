"""The state dir's queue under load, measured in one run.

    uv run python benchmarks/queue_bench.py [--tasks N] [--processes N] [--limit N]
        [--waiters N] [--idle-seconds S]

  (h) throughput: --tasks tasks (`sh -c 'sleep 1'`) submitted at once by --processes
      processes (each a Python subprocess with its own TaskRunner, submitting its share
      and waiting for it), under a state-dir limit of --limit: the wall time from the
      first submission to the last task's recorded end, against the ideal
      tasks * 1 s / limit (target ratio <= 1.05). From Docker's own events (filtered by
      this run's label): the most containers that existed at once (create..destroy) and
      ran at once (start..die); neither may exceed the limit.
  (i) from one agent's exit to the next waiting task's container start: from the same
      run's events, each `die` while tasks were waiting is matched (first come, first
      served) with the next `start` of another container; median and p99 (targets
      <= 100 ms and <= 500 ms), and where that time goes, from the events and the
      tasks' histories.
  (j) idle waiters: with a limit of 1 and a blocker running, --waiters
      `agents-runner run --detach` tasks, each with its own detached supervisor
      process; once all of them wait, the CPU time (utime + stime) those supervisors use
      over --idle-seconds (target <= 2 s in all for 100 waiters over 60 s).

Every container carries this run's label and only those are removed at the end; every
task is killed and every supervisor waited for. Each part uses a fresh temporary state
dir. It is a benchmark, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
from bench import NETWORK, test_image

from agents_runner import TaskRunner, TaskSpec
from agents_runner.engine import LABEL_TASK_ID
from agents_runner.proc import start_ticks
from agents_runner.queue_settings import QueueSettings
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task, parse_time
from agents_runner.taskqueue import TaskQueue

LABEL = "agents-runner-bench.run"
TICK = os.sysconf("SC_CLK_TCK")
CLI = str(Path(sys.executable).parent / "agents-runner")
HERE = Path(__file__).resolve()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# -- (h), (i): the submitting processes ------------------------------------------------


def worker(config: dict) -> int:
    """One submitting process: its own TaskRunner, `count` tasks submitted on "go"."""
    runner = TaskRunner(config["state_dir"], recover=False)
    runner.engine.ping()  # the connection is up before the start line
    spec = TaskSpec(
        image=config["image"],
        command=["sh", "-c", f"sleep {config['sleep']}"],
        network=NETWORK,
        labels={LABEL: config["run"]},
    )
    print("ready", flush=True)
    sys.stdin.readline()
    first = time.time()
    tasks = [runner.submit(spec) for _ in range(config["count"])]
    last = time.time()
    ended = [runner.wait(task.id, timeout=config["timeout"]) for task in tasks]
    runner.close()
    states = [task.state.value for task in ended]
    print(
        json.dumps({"first": first, "last": last, "ids": [t.id for t in tasks], "states": states})
    )
    return 0


def admitted_at(task: Task) -> float | None:
    """When the task left the line: its first state after queued."""
    for entry in task.history:
        if entry.state != TaskState.QUEUED:
            return parse_time(entry.at).timestamp()
    return None


def ended_at(task: Task) -> float:
    return parse_time(task.history[-1].at).timestamp()


def most_at_once(events: list[dict], up: str, down: str) -> tuple[int, float]:
    """The most containers between an `up` and a `down` event at once, and when."""
    count = best = 0
    when = 0.0
    for event in events:
        if event["Action"] == up:
            count += 1
            if count > best:
                best, when = count, event["timeNano"] / 1e9
        elif event["Action"] == down:
            count -= 1
    return best, when


class EventLog:
    """This run's container events, read as they come: Docker 20.10 keeps only its last
    256 events, so a query afterwards would miss most of a long run."""

    def __init__(self, run: str, since: float) -> None:
        filters = {"type": "container", "label": [f"{LABEL}={run}"]}
        self.stream = docker.from_env().api.events(since=since, filters=filters, decode=True)
        self.events: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):  # the stream closed
            for event in self.stream:
                self.events.append(event)

    def count(self, action: str) -> int:
        return sum(1 for e in list(self.events) if e.get("Action") == action)

    def close(self) -> list[dict]:
        self.stream.close()
        self.thread.join(5)
        return list(self.events)


def throughput(args: argparse.Namespace, image: str, run: str, scratch: Path) -> dict:
    state_dir = scratch / "throughput"
    TaskQueue(state_dir).write_settings(QueueSettings(max_running=args.limit))
    shares = [args.tasks // args.processes] * args.processes
    for extra in range(args.tasks % args.processes):
        shares[extra] += 1
    ideal = args.tasks * args.sleep / args.limit
    config = {"state_dir": str(state_dir), "image": image, "run": run, "sleep": args.sleep}
    config["timeout"] = ideal * 4 + 300
    log(f"(h) starting {args.processes} submitting processes ...")
    workers = []
    try:
        for share in shares:
            argv = [sys.executable, str(HERE), "--worker", json.dumps({**config, "count": share})]
            workers.append(
                subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        for process in workers:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError("a submitting process did not start")
        log(f"(h) {args.tasks} tasks, limit {args.limit}: go (ideal {ideal:.1f} s)")
        since = time.time() - 1
        event_log = EventLog(run, since)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for process in workers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        reports = []
        for process in workers:
            out, _ = process.communicate(timeout=config["timeout"] + 60)
            if process.returncode != 0:
                raise RuntimeError(f"a submitting process failed ({process.returncode})")
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    submitters_cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    store = TaskStore(state_dir)
    tasks = {task_id: store.load(task_id) for r in reports for task_id in r["ids"]}
    first = min(r["first"] for r in reports)
    last_submit = max(r["last"] for r in reports)
    last_end = max(ended_at(task) for task in tasks.values())
    states: dict[str, int] = {}
    for task in tasks.values():
        states[task.state.value] = states.get(task.state.value, 0) + 1

    with contextlib.suppress(TimeoutError):
        until(lambda: event_log.count("destroy") >= len(tasks), 30, "the last destroy events")
    raw = event_log.close()
    events = sorted(
        (e for e in raw if e.get("Action") in ("create", "start", "die", "destroy")),
        key=lambda e: e["timeNano"],
    )
    existing, existing_when = most_at_once(events, "create", "destroy")
    running, running_when = most_at_once(events, "start", "die")
    counts = {
        a: sum(1 for e in events if e["Action"] == a) for a in ("create", "start", "die", "destroy")
    }

    # (i): each die while tasks waited, matched with the next start of another container.
    def task_of(event: dict) -> str:
        return event["Actor"]["Attributes"].get(LABEL_TASK_ID, "")

    waits = [
        (parse_time(t.created_at).timestamp(), admitted_at(t) or float("inf"))
        for t in tasks.values()
    ]
    first_event = {}
    for event in events:
        first_event.setdefault((task_of(event), event["Action"]), event["timeNano"] / 1e9)
    pending: list[dict] = []
    pairs: list[tuple[dict, dict]] = []
    for event in events:
        at = event["timeNano"] / 1e9
        if event["Action"] == "die":
            if any(submitted <= at < left for submitted, left in waits):
                pending.append(event)
        elif event["Action"] == "start" and pending:
            index = next((i for i, d in enumerate(pending) if task_of(d) != task_of(event)), None)
            if index is not None:
                pairs.append((pending.pop(index), event))
    segments: dict[str, list[float]] = {
        "die -> start (total)": [],
        "die -> exited task's container removed (destroy event)": [],
        "destroy -> exited task's end recorded (slot freed)": [],
        "end recorded -> next task out of the line (its first state after queued)": [],
        "out of the line -> its container created (create event)": [],
        "create -> start event": [],
    }
    for die, start in pairs:
        done, nxt = tasks.get(task_of(die)), tasks.get(task_of(start))
        died, started = die["timeNano"] / 1e9, start["timeNano"] / 1e9
        segments["die -> start (total)"].append(started - died)
        if done is None or nxt is None:
            continue
        destroyed = first_event.get((done.id, "destroy"), died)
        created = first_event.get((nxt.id, "create"), started)
        admitted = admitted_at(nxt) or created
        segments["die -> exited task's container removed (destroy event)"].append(destroyed - died)
        segments["destroy -> exited task's end recorded (slot freed)"].append(
            ended_at(done) - destroyed
        )
        segments["end recorded -> next task out of the line (its first state after queued)"].append(
            admitted - ended_at(done)
        )
        segments["out of the line -> its container created (create event)"].append(
            created - admitted
        )
        segments["create -> start event"].append(started - created)
    # Where the rest of the wall time goes: each task's own life, start to end.
    lives = [
        ended_at(t) - (admitted_at(t) or ended_at(t)) for t in tasks.values() if admitted_at(t)
    ]
    return {
        "ideal": ideal,
        "wall": last_end - first,
        "submit_span": last_submit - first,
        "states": states,
        "existing": (existing, existing_when - first),
        "running": (running, running_when - first),
        "counts": counts,
        "segments": segments,
        "lives": lives,
        "submitters_cpu": submitters_cpu,
    }


# -- (j): idle waiters ------------------------------------------------------------


def proc_cpu(pid: int) -> int | None:
    """utime + stime of `pid`, in clock ticks; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def proc_switches(pid: int) -> int:
    """Voluntary context switches over all of the process's threads (its wake-ups)."""
    total = 0
    with contextlib.suppress(FileNotFoundError):
        for thread in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(FileNotFoundError):
                for line in Path(f"/proc/{pid}/task/{thread}/status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
    return total


def proc_threads(pid: int) -> int:
    with contextlib.suppress(FileNotFoundError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def has_inotify(pid: int) -> bool:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:inotify":
                    return True
    return False


def run_detached(state_dir: Path, image: str, run: str, script: str) -> str:
    argv = [CLI, "--state-dir", str(state_dir), "run", "--detach", "--image", image]
    argv += ["--network", NETWORK, "--label", f"{LABEL}={run}", "--", "sh", "-c", script]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"agents-runner run --detach failed: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def owner_of(state_dir: Path, task_id: str) -> tuple[int, int] | None:
    """The task's owner (pid, start ticks), from its payload."""
    payload = json.loads((state_dir / "tasks" / f"{task_id}.json").read_text())
    owner = payload.get("owner") or {}
    if "pid" not in owner:
        return None
    return owner["pid"], start_ticks(owner["pid"]) or 0


def until(condition, timeout: float, what: str, every: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(every)


class IdleWaiters:
    def __init__(self, args: argparse.Namespace, image: str, run: str, scratch: Path) -> None:
        self.args, self.image, self.run = args, image, run
        self.state_dir = scratch / "idle"
        self.task_ids: list[str] = []
        self.owners: dict[str, tuple[int, int]] = {}  # task id -> (pid, start ticks)

    def alive(self, pid: int, started: int) -> bool:
        return started != 0 and start_ticks(pid) == started

    def measure(self) -> dict:
        args, state_dir = self.args, self.state_dir
        queue = TaskQueue(state_dir)
        queue.write_settings(QueueSettings(max_running=1))
        store = TaskStore(state_dir)
        log("(j) the blocker ...")
        blocker = run_detached(state_dir, self.image, self.run, "sleep 3600")
        self.task_ids.append(blocker)
        self.owners[blocker] = owner_of(state_dir, blocker) or (0, 0)
        until(lambda: store.load(blocker).state == TaskState.RUNNING, 120, "the blocker to run")
        log(f"(j) {args.waiters} waiters, each its own `agents-runner run --detach` ...")
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=min(8, args.waiters)) as pool:
            futures = [
                pool.submit(run_detached, state_dir, self.image, self.run, "sleep 1")
                for _ in range(args.waiters)
            ]
            waiters = []
            for future in futures:
                task_id = future.result()
                self.task_ids.append(task_id)
                waiters.append(task_id)
                owner = owner_of(state_dir, task_id)
                if owner is not None:
                    self.owners[task_id] = owner
        submitted = time.monotonic() - began

        def all_waiting() -> bool:
            for task_id in waiters:
                pid, started = self.owners.get(task_id, (0, 0))
                if not self.alive(pid, started) or not queue.is_waiting(task_id):
                    return False
                if store.load(task_id).state != TaskState.QUEUED:
                    return False
                if proc_threads(pid) < 2:  # its admitter thread: drive() is done
                    return False
            return True

        until(all_waiting, 300, "every waiter to wait")
        log(f"(j) all {len(waiters)} wait; settling {args.settle:g} s ...")
        time.sleep(args.settle)
        pids = [self.owners[task_id] for task_id in waiters]
        startup = sum(proc_cpu(pid) or 0 for pid, _ in pids) / TICK
        inotify = sum(1 for pid, _ in pids if has_inotify(pid))
        log(f"(j) measuring {args.idle_seconds:g} s of idle ...")
        before = {pid: (proc_cpu(pid), proc_switches(pid)) for pid, _ in pids}
        time.sleep(args.idle_seconds)
        after = {pid: (proc_cpu(pid), proc_switches(pid)) for pid, _ in pids}
        exited = [pid for pid, started in pids if not self.alive(pid, started)]
        used = {
            pid: (after[pid][0] or 0) - (before[pid][0] or 0)
            for pid in before
            if before[pid][0] is not None and after[pid][0] is not None
        }
        woke = sum(after[pid][1] - before[pid][1] for pid in before)
        still_waiting = sum(1 for task_id in waiters if queue.is_waiting(task_id))
        return {
            "waiters": len(waiters),
            "submitted": submitted,
            "startup": startup,
            "inotify": inotify,
            "cpu": sum(used.values()) / TICK,
            "max_one": max(used.values(), default=0) / TICK,
            "exited": len(exited),
            "wakeups": woke,
            "still_waiting": still_waiting,
        }

    def clean_up(self) -> list[int]:
        """Kill every task, wait for every supervisor; the pids that had to be killed."""
        if not self.task_ids:
            return []
        runner = TaskRunner(self.state_dir, recover=False)
        for task_id in self.task_ids:
            with contextlib.suppress(Exception):
                runner.request_kill(task_id)
        runner.close(wait=False)
        with contextlib.suppress(TimeoutError):
            until(
                lambda: not any(self.alive(*owner) for owner in self.owners.values()),
                30,
                "the supervisors to exit",
            )
        forced = []
        for pid, started in self.owners.values():
            if self.alive(pid, started):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                forced.append(pid)
        return forced


# -- the run ------------------------------------------------------------------


def remove_containers(run: str) -> int:
    api = docker.from_env().api
    found = api.containers(all=True, filters={"label": f"{LABEL}={run}"})
    for container in found:
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_container(container["Id"], force=True)
    return len(found)


def report_throughput(args: argparse.Namespace, found: dict) -> None:
    ratio = found["wall"] / found["ideal"]
    print(f"(h) {args.tasks} tasks of `sleep {args.sleep:g}` from {args.processes} processes, ")
    print(f"    state-dir limit {args.limit}; tasks ended: {found['states']}")
    print(f"    all submitted within {found['submit_span']:.2f} s of the first submission")
    print(
        f"    first submission -> last task's end: {found['wall']:.2f} s; ideal "
        f"{found['ideal']:.1f} s; ratio {ratio:.3f} "
        f"(target <= 1.05: {'met' if ratio <= 1.05 else 'MISSED'})"
    )
    lives = found["lives"]
    if lives:
        print(
            f"    each task, out of the line -> end recorded: median {statistics.median(lives):.3f}"
            f" s, p99 {percentile(lives, 0.99):.3f} s (the sleep is {args.sleep:g} s); "
            f"{args.tasks} x median / {args.limit} = "
            f"{args.tasks * statistics.median(lives) / args.limit:.1f} s"
        )
    print(
        f"    CPU used by the {args.processes} submitting processes (utime+stime, in all): "
        f"{found['submitters_cpu']:.1f} s over {found['wall']:.1f} s "
        f"on {os.cpu_count()} CPUs"
    )
    existing, when = found["existing"]
    running, running_when = found["running"]
    print(f"    Docker events: {found['counts']}")
    print(
        f"    most containers existing at once (create..destroy): {existing} "
        f"(at +{when:.2f} s); running at once (start..die): {running} (at +{running_when:.2f} s)"
    )
    if existing > args.limit or running > args.limit:
        print(
            f"    !!!!!!!! WARNING: MORE THAN {args.limit} CONTAINERS AT ONCE: THE LIMIT WAS "
            f"NOT KEPT !!!!!!!!"
        )
    print()
    segments = found["segments"]
    total = segments["die -> start (total)"]
    if not total:
        print("(i) no die followed by a start while tasks waited")
        return
    median, p99 = statistics.median(total), percentile(total, 0.99)
    print(f"(i) one agent's exit -> the next waiting task's container start, {len(total)} pairs:")
    print(
        f"    median {ms(median)} (target <= 100 ms: {'met' if median <= 0.1 else 'MISSED'}), "
        f"p99 {ms(p99)} (target <= 500 ms: {'met' if p99 <= 0.5 else 'MISSED'}), "
        f"min {ms(min(total))}, max {ms(max(total))}"
    )
    print("    where it goes (events by Docker's clock, histories by the runner's):")
    print("    | segment | median | p99 |")
    print("    |---|---:|---:|")
    for title, values in segments.items():
        if values:
            print(
                f"    | {title} | {ms(statistics.median(values))} "
                f"| {ms(percentile(values, 0.99))} |"
            )
    print()


def report_idle(args: argparse.Namespace, found: dict) -> None:
    cpu = found["cpu"]
    target = 2.0 * found["waiters"] / 100 * args.idle_seconds / 60
    print(
        f"(j) {found['waiters']} idle waiters (limit 1, a blocker running), each its own "
        f"supervisor process; submitted in {found['submitted']:.1f} s (8 at a time)"
    )
    print(
        f"    {found['inotify']} of them watch the queue with inotify; CPU they used to start "
        f"and enter the line: {found['startup']:.2f} s in all"
    )
    print(
        f"    CPU used by all of them over {args.idle_seconds:g} s of idle: {cpu:.2f} s "
        f"(utime+stime; the most by one: {found['max_one']:.2f} s; target <= {target:.2f} s "
        f"for this many over this long: {'met' if cpu <= target else 'MISSED'})"
    )
    print(
        f"    their threads woke {found['wakeups']} times in all "
        f"({found['wakeups'] / max(1, found['waiters']) / args.idle_seconds:.1f} per process "
        f"per second); {found['exited']} exited meanwhile; {found['still_waiting']} still wait"
    )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=1.0, help="each task's sleep, seconds")
    parser.add_argument("--waiters", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds after all waiters wait, before (j)"
    )
    parser.add_argument("--skip", choices=("throughput", "idle"), help="leave out a part")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    image, run = test_image(), secrets.token_hex(4)
    scratch = Path(tempfile.mkdtemp(prefix="agents-runner-queue-bench-"))
    log(f"image {image}; run label {LABEL}={run}; state dirs under {scratch}")
    throughput_found = idle_found = None
    idle = IdleWaiters(args, image, run, scratch)
    forced: list[int] = []
    try:
        if args.skip != "throughput":
            throughput_found = throughput(args, image, run, scratch)
        if args.skip != "idle":
            idle_found = idle.measure()
    finally:
        log("cleaning up ...")
        forced = idle.clean_up()
        removed = remove_containers(run)
        left = remove_containers(run)
        subprocess.run(["rm", "-rf", str(scratch)], check=False)
    print(f"image {image}; {os.cpu_count()} CPUs; run label {LABEL}={run}\n")
    if throughput_found is not None:
        report_throughput(args, throughput_found)
    if idle_found is not None:
        report_idle(args, idle_found)
    print(
        f"clean-up: {removed} containers of this run removed, {left} left; "
        f"{len(forced)} supervisors had to be SIGKILLed{' (' + str(forced) + ')' if forced else ''}"
    )
    if forced:
        print(
            "!!!!!!!! WARNING: supervisors whose task was killed while queued did not exit "
            "within 30 s of the kill (SIGKILLed by pid) !!!!!!!!"
        )
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main())
