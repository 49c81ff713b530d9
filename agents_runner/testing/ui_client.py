"""The suite's own view of `agents-runner ui`: its API over HTTP with the bearer token
(urllib, not the product's code), and the state dir's payloads read from disk, the
independent source the page's scenarios compare what it shows with."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENDED = {"completed", "failed", "cancelled", "killed", "timed_out"}


@dataclass(frozen=True)
class Stored:
    """A task as its payload file holds it, and when that file was last written."""

    id: str
    state: str
    agent: str | None
    labels: dict[str, str]
    created_at: str
    history: list[tuple[str, str]]
    mtime_ns: int

    @property
    def ended(self) -> bool:
        return self.state in ENDED


def stored_tasks(state_dir: Path) -> list[Stored]:
    """Every payload in tasks/, read as JSON."""
    found = []
    for path in (state_dir / "tasks").glob("*.json"):
        if path.name.startswith("."):
            continue
        try:
            data = json.loads(path.read_bytes())
            mtime_ns = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            continue
        spec = data["spec"]
        history = [(entry["state"], entry["at"]) for entry in data["history"]]
        found.append(
            Stored(
                data["id"],
                data["state"],
                spec.get("agent"),
                dict(spec.get("labels") or {}),
                data["created_at"],
                history,
                mtime_ns,
            )
        )
    return found


def board_order(tasks: list[Stored]) -> list[str]:
    """The order the contract gives (C-8.2): the unfinished, newest created first, then
    the finished, by their payload's time, newest first."""
    unfinished = sorted((t for t in tasks if not t.ended), key=lambda t: (t.created_at, t.id))
    ended = sorted((t for t in tasks if t.ended), key=lambda t: (t.mtime_ns, t.id))
    return [t.id for t in reversed(unfinished)] + [t.id for t in reversed(ended)]


class UiClient:
    """Requests to the served API, with the token as a bearer."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def request(
        self, path: str, method: str = "GET", body: bytes | None = None
    ) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read()

    def json(self, path: str) -> Any:
        status, body = self.request(path)
        assert status == 200, f"GET {path} answered {status}: {body[:300]!r}"
        return json.loads(body)

    def all_pages(self, query: str, limit: int) -> list[str]:
        """The ids of every page of `GET /api/tasks?query`, walked by its cursor."""
        ids: list[str] = []
        cursor = None
        while True:
            path = f"/api/tasks?limit={limit}" + (f"&{query}" if query else "")
            page = self.json(path + (f"&cursor={urllib.request.quote(cursor)}" if cursor else ""))
            assert len(page["tasks"]) <= limit, f"{len(page['tasks'])} tasks on a page of {limit}"
            ids += [row["id"] for row in page["tasks"]]
            cursor = page["next"]
            if cursor is None:
                return ids


class EventReader:
    """An open `GET /api/events`: a thread reads it and keeps each event's name and the
    time (of the wall clock, as the store's times) it arrived."""

    def __init__(self, client: UiClient) -> None:
        headers = {"Authorization": f"Bearer {client.token}"}
        request = urllib.request.Request(client.base + "/api/events", headers=headers)
        self.answer = urllib.request.urlopen(request, timeout=60)
        self.events: list[tuple[str, float]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self.answer:
                if line.startswith(b"event: "):
                    self.events.append((line[7:].strip().decode(), time.time()))
        except (OSError, ValueError):  # closed at the scenario's end
            return

    def close(self) -> None:
        self.answer.close()


@dataclass
class ServedPage:
    """An `agents-runner ui` the scenario started: where, its token, its process."""

    base: str
    port: str
    token: str
    process: subprocess.Popen[str]


def serve_page(cli: Any, port: str, env: dict[str, str] | None = None) -> ServedPage:
    """`agents-runner ui --port PORT` in the background, once it has printed its URL."""
    process = cli.start("ui", "--port", port, env=env)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline().strip() if ready else ""
    found = re.fullmatch(r"(http://127\.0\.0\.1:(\d+))/\?token=(\S+)", line)
    assert found, f"agents-runner ui printed {line!r} first"
    return ServedPage(found[1], found[2], found[3], process)
