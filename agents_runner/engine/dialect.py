"""Every difference between the engines that serve the Docker API here (Docker 20.10,
Podman 4.3), and every engine message the runner reads meaning into: one place, each
named after the bullet of docs/ENGINES.md ("What differs") that describes it.

Nothing here imports the Docker SDK: the records and the outcome rules use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BUILT_IN_NETWORKS = ("none", "host")
CORRUPTED_DATA = "the image's data did not match its digest (it was corrupted on the way)"

# A command the init cannot run: Docker's init (tini) exits 127 (not found) or 126
# (cannot be invoked), the shell's convention; Podman's (catatonit) exits 1 and says so
# in the output, without naming the command.
_CATATONIT_FAILURE = re.compile(r"ERROR \(catatonit:\d+\): failed to exec pid1: (.+)")
_INIT_FAILURE_CODES = {"no such file or directory": 127, "permission denied": 126}


@dataclass(frozen=True)
class EngineDialect:
    """What one engine does its own way. `kind` is "docker" or "podman"."""

    kind: str

    @classmethod
    def from_version(cls, version: Mapping[str, Any]) -> EngineDialect:
        """Podman names itself among the version's components (or as the platform)."""
        names = [c.get("Name", "") for c in version.get("Components") or []]
        names.append((version.get("Platform") or {}).get("Name", ""))
        return cls("podman" if any("podman" in n.lower() for n in names) else "docker")

    @classmethod
    def from_ping(cls, headers: Mapping[str, str]) -> EngineDialect:
        """Podman's service adds its own `Libpod-Api-Version` to the `/_ping` answer
        (and names itself in `Server`)."""
        lowered = {key.lower(): value for key, value in headers.items()}
        podman = "libpod-api-version" in lowered or "libpod" in lowered.get("server", "").lower()
        return cls("podman" if podman else "docker")

    @property
    def is_podman(self) -> bool:
        return self.kind == "podman"

    @property
    def follows_exactly(self) -> bool:
        """Logs: Podman's followed stream (4.3) skips records of a chatty agent and
        may end early; its plain reads are whole. Docker's follow is exact."""
        return not self.is_podman

    @property
    def attach_is_whole(self) -> bool:
        """Output: Docker's attach stream, opened before the start, carries every byte
        and ends after the last. Podman's is not relied on: its log is followed and
        checked whole at the end, as before."""
        return not self.is_podman

    @property
    def exit_recorded_late(self) -> float:
        """Exit times: how long after the agent's exit the engine may time the
        container's. Podman times it when its conmon writes the exit file, seen 0.12 s
        after a signal that never reached the agent on a loaded machine. Docker times it
        as containerd reports its init's exit, and the init (`--init`) follows the agent
        out only when it next runs: on a loaded machine a signal came between the two."""
        return 0.3

    @property
    def compat_wait_spins(self) -> bool:
        """Waiting: Podman 4.3's Docker-compatible wait looks at the container without a
        pause between looks (four waiting containers kept its service at 1.2 cores);
        its own API's wait takes an interval."""
        return self.is_podman

    @property
    def oom_notice_may_follow_exit(self) -> bool:
        """Out of memory: Docker (20.10, cgroup v1) can learn of an OOM kill only after
        the container's exit; it then sends an `oom` event but leaves OOMKilled false.
        Podman 4.3 here reports none at all, so there is nothing to wait for."""
        return not self.is_podman

    @property
    def removal_may_follow_exit(self) -> bool:
        """Removal: Podman 4.3, told to remove a running container, kills it, answers its
        wait, and only then removes it; meanwhile it is "exited", not "removing" (Docker
        marks it removing first)."""
        return self.is_podman

    @property
    def drops_default_ulimits(self) -> bool:
        """Limits: given one ulimit, Podman drops its configured default_ulimits and
        falls back to values the host may refuse; they must be passed along."""
        return self.is_podman

    def tmpfs_owned_by(self, user: str | None) -> str:
        """Tmpfs: both engines give a tmpfs the mode of the image's folder beneath it,
        whatever mode= asks (a /tmp that is 0755 and root's stays so). The mount options
        that make it the agent's own instead: Podman chowns it to the container's user
        (U); Docker takes a numeric uid= and gid= (it cannot resolve a name here)."""
        if self.is_podman:
            return ",U"
        uid, _, gid = (user or "").partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            return ""
        return f",uid={uid}" + (f",gid={gid}" if gid else "")

    @staticmethod
    def is_built_in_network(name: str) -> bool:
        """Networks: Docker lists none and host; Podman knows them only as modes."""
        return name in BUILT_IN_NETWORKS

    @property
    def default_network(self) -> str | None:
        """Networks: a container given no network joins Docker's `bridge`, which a
        dockerd started with --bridge=none lacks (the container then has its loopback
        alone); Podman always gives it one of its own (a bridge as root, slirp4netns or
        pasta rootless). None: the default is always there."""
        return None if self.is_podman else "bridge"


# -- messages: what the engines say, and what the runner takes them to mean ----------


def said_once(text: str) -> str:
    """The engine repeats itself ("manifest unknown: manifest unknown"); say it once."""
    parts: list[str] = []
    for part in text.split(": "):
        if not parts or part.strip().lower() != parts[-1].strip().lower():
            parts.append(part)
    return ": ".join(parts)


def means_gone(message: str) -> bool:
    """The container no longer exists, or is on its way out."""
    text = message.lower()
    return "no such container" in text or "marked for removal" in text


def means_not_running(message: str) -> bool:
    """Errors: the container had already stopped. Docker says "is not running"
    (or that its removal is in progress); Podman "can only kill running containers …
    container state improper", or a moment later "container state improper: stopped"."""
    text = message.lower()
    return (
        "is not running" in text
        or ("removal of container" in text and "in progress" in text)
        or "can only kill running containers" in text
        or "container state improper" in text
    )


def means_corrupted(message: str) -> bool:
    """Errors: Docker says "verification failed", Podman "digest … does not
    match"."""
    text = message.lower()
    return "verification failed" in text or ("digest" in text and "does not match" in text)


def means_not_found(message: str) -> bool:
    """A pull's "no such image", in the words of either engine and of the registry."""
    text = message.lower()
    return any(
        marker in text
        for marker in (
            "not found",
            "manifest unknown",
            "does not exist",
            "repository name not known",
        )
    )


_UNKNOWN_ID = re.compile(r"unable to find (user|group) ([^:]+): no matching entries in \w+ file")


def unknown_user(message: str) -> str | None:
    """Users: a name the image's /etc/passwd (or /etc/group) does not hold, as both
    engines say it when the container starts; the reason in the user's words."""
    found = _UNKNOWN_ID.search(message)
    if found is None:
        return None
    kind, name = found.groups()
    where = "/etc/passwd" if kind == "user" else "/etc/group"
    return (
        f"the image has no {kind} {name!r} (no entry in its {where}); "
        f"give --user as a number (uid or uid:gid), or root"
    )


def numeric_root(user: str | None) -> str | None:
    """Users: root is uid and gid 0 in every image, with or without an /etc/passwd that
    says so; the engines look the name up and fail where there is none."""
    if not user:
        return user
    name, colon, group = user.partition(":")
    return ("0" if name == "root" else name) + colon + ("0" if group == "root" else group)


def means_permission_denied(message: str) -> bool:
    return "permission denied" in message.lower()


def init_failure(exit_code: int | None, last_output: str | None) -> int | None:
    """The shell's exit code (127 or 126) for a command Podman's init could not run (it
    exits 1), or None: both engines then end with the shell's convention."""
    if exit_code != 1 or not last_output:
        return None
    found = _CATATONIT_FAILURE.search(last_output)
    return _INIT_FAILURE_CODES.get(found.group(1).strip().lower()) if found else None
