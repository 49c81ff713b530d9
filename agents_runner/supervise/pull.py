"""Pulling a task's image: the pull itself, abandoned when a request comes, and its
progress as the store shows it."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..engine import PullHandle
from ..engine.boundary import EngineBoundary
from ..engine.errors import EngineError, PullAborted
from ..states import TaskState
from .retry import Retrier
from .task_context import TaskContext


def ensure_image(task: TaskContext) -> bool:
    """Make sure the task's image is there, as its pull policy says: pulled (the task
    `pulling` meanwhile) unless present. False when the task ended instead: the image
    is missing under "never", the pull failed, or a request came (it is settled then,
    unless `detached`)."""
    image, policy, record = task.spec.image, task.spec.pull, task.record

    def present() -> bool:
        return task.retrier.retry("inspecting the image", lambda: task.engine.image_present(image))

    if policy == "missing" and present():
        return True
    if policy == "never":
        if present():
            return True
        record.settle(error=f"image {image} is not present and the pull policy is 'never'")
        return False
    record.transition(TaskState.PULLING)
    pull = ImagePull(
        task.engine,
        image,
        task.retrier,
        poll_interval=task.poll_interval,
        wake=task.wake,
        should_abort=task.let_go_or_requested,
        on_summary=lambda summary: record.update(pull_progress=summary),
    )
    try:
        pull.run()
    except PullAborted:
        if not task.detached.is_set():
            record.settle()
        return False
    except EngineError as exc:
        record.settle(error=str(exc))
        return False
    return True


class ImagePull:
    """One pull, ridden out while the engine is away. A watcher thread checks
    `should_abort` whenever `wake` is set (or every `poll_interval`) and aborts the pull
    when it says so; the progress summary goes to `on_summary` at most 4 times a second
    (what the limit kept back is given by the watcher once it allows), and once more
    when done."""

    def __init__(
        self,
        engine: EngineBoundary,
        image: str,
        retrier: Retrier,
        *,
        poll_interval: float,
        wake: threading.Event,
        should_abort: Callable[[], bool],
        on_summary: Callable[[dict[str, Any]], None],
    ) -> None:
        self.engine = engine
        self.image = image
        self.retrier = retrier
        self.poll_interval = poll_interval
        self.wake = wake
        self.should_abort = should_abort
        self.on_summary = on_summary
        self.progress = PullProgress()
        self._progress_lock = threading.Lock()  # the pull's thread and the watcher's
        self._unsaid = False  # chunks taken since the last summary given

    def run(self) -> None:
        """PullAborted when a request came first; EngineError when the pull failed."""
        handle = PullHandle()
        pulled = threading.Event()
        watcher = threading.Thread(
            target=self._abort_on_request,
            args=(handle, pulled),
            name=f"pull-watch-{self.retrier.task_id}",
            daemon=True,
        )
        watcher.start()
        try:
            self.retrier.retry(
                "pulling",
                lambda: self.engine.pull(self.image, on_progress=self._on_chunk, handle=handle),
            )
        finally:
            pulled.set()
            self.wake.set()
            watcher.join()
        with self._progress_lock:
            self.on_summary(self.progress.summary(done=True))

    def _on_chunk(self, chunk: Mapping[str, Any]) -> None:
        with self._progress_lock:
            self._unsaid = True
            if self.progress.add(chunk):
                self._unsaid = False
                self.on_summary(self.progress.summary())

    def _say_the_rest(self) -> None:
        """The chunks the rate limit kept back, given once the limit allows: a pull
        that stalls (or is held) is recorded as far as it got."""
        with self._progress_lock:
            if self._unsaid and self.progress.due():
                self._unsaid = False
                self.on_summary(self.progress.summary())

    def _abort_on_request(self, handle: PullHandle, pulled: threading.Event) -> None:
        next_check = time.monotonic() + self.poll_interval
        while not pulled.is_set():
            woken = self.wake.wait(min(self.poll_interval, PullProgress.INTERVAL))
            self.wake.clear()
            if pulled.is_set():
                return
            self._say_the_rest()
            if woken or time.monotonic() >= next_check:  # a request is checked as before
                next_check = time.monotonic() + self.poll_interval
                if self.should_abort():
                    handle.abort()
                    return


_LAYER_ID = re.compile(r"^[0-9a-f]{12}$")


class PullProgress:
    """Layers and bytes of a pull, from the engine's progress chunks. A layer's download
    and its extraction are counted apart, so that neither count ever goes back.

    `percent` is what a person may be shown: None until the phase's byte totals are real
    (every layer still to download has told its size; some layer has begun extracting),
    and never lower than one already given for the same phase, though the totals grow as
    the engine tells more layers' sizes."""

    INTERVAL = 0.25  # seconds between two summaries worth persisting
    _FINISHED = ("Pull complete", "Already exists")
    _DOWNLOADED = ("Download complete", "Verifying Checksum", "Extracting", *_FINISHED)

    def __init__(self) -> None:
        self.layers: dict[str, dict[str, Any]] = {}
        self._last_report = -math.inf
        self._percent_given: dict[str, int] = {}

    def add(self, chunk: Mapping[str, Any]) -> bool:
        """Take one chunk; True when the summary is worth persisting (at most 4 per second)."""
        layer = chunk.get("id", "")
        status = chunk.get("status", "")
        if not status or not _LAYER_ID.match(layer):  # tags and warnings carry ids too
            return False
        entry = self.layers.setdefault(
            layer,
            {"status": "", "current": 0, "total": 0, "extracted": 0, "extract_total": 0},
        )
        entry["status"] = status
        detail = chunk.get("progressDetail") or {}
        if status == "Already exists" and not entry.get("downloaded"):
            entry["present"] = True  # nothing of it is downloaded or extracted
        if status == "Extracting":
            entry["extracted"] = max(entry["extracted"], int(detail.get("current", 0)))
            entry["extract_total"] = int(detail.get("total", entry["extract_total"]) or 0)
        elif status == "Downloading":
            entry["current"] = max(entry["current"], int(detail.get("current", 0)))
            entry["total"] = int(detail.get("total", entry["total"]) or 0)
        if status in self._DOWNLOADED:
            entry["downloaded"] = True
            entry["current"] = max(entry["current"], entry["total"])
        if status in self._FINISHED:
            entry["finished"] = True
            entry["extracted"] = max(entry["extracted"], entry["extract_total"])
        return self.due()

    def due(self) -> bool:
        """True (and the clock restarted) when a summary may be given: at most one every
        INTERVAL seconds."""
        now = time.monotonic()
        if now - self._last_report >= self.INTERVAL:
            self._last_report = now
            return True
        return False

    def summary(self, *, done: bool = False) -> dict[str, Any]:
        layers = list(self.layers.values())
        fetched = [e for e in layers if not e.get("present")]  # not "Already exists"
        downloaded = sum(1 for e in layers if e.get("downloaded"))
        extract_total = sum(e["extract_total"] for e in layers)
        bytes_current = sum(e["current"] for e in layers)
        bytes_total = sum(e["total"] for e in layers)
        # What extraction will read: each layer's extraction total once it has one, its
        # download size before.
        extract_expected = sum(max(e["extract_total"], e["total"]) for e in fetched)
        extract_current = sum(e["extracted"] for e in layers)
        if done:
            phase = "done"
        elif fetched and downloaded == len(layers) and extract_total > 0:
            phase = "extracting"
        else:
            phase = "downloading"
        percent: int | None = None
        if done:
            percent = 100
        elif phase == "extracting" and extract_expected > 0:
            percent = min(100, extract_current * 100 // extract_expected)
        elif phase == "downloading" and bytes_total > 0:
            sized = all(e["total"] > 0 or e.get("downloaded") for e in fetched)
            if sized:
                percent = min(100, bytes_current * 100 // bytes_total)
        if percent is not None:
            percent = max(percent, self._percent_given.get(phase, 0))
            self._percent_given[phase] = percent
        finished = len(layers) if done else sum(1 for e in layers if e.get("finished"))
        return {
            "phase": phase,
            "percent": percent,
            "layers_total": len(layers),
            "layers_downloaded": downloaded,
            "layers_done": finished,
            "bytes_current": bytes_current,
            "bytes_total": bytes_total,
            "extract_current": extract_current,
            "extract_total": extract_total,
            "extract_expected": extract_expected,
            "extracted": extract_total > 0,
            "done": done,
        }
