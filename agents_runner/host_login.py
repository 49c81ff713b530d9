"""Handing a CLI's login from the host to a task (`--host-login`): the CLI's documented
login files in a home folder, mounted read-write at the same place under the agent's
HOME, so that what the CLI writes back (refreshed tokens, which some services accept only
once) reaches the host's copy. Nothing is copied: the login never lands in the state dir."""

from __future__ import annotations

import os
from pathlib import Path

from .agents import get_profile


def login_paths(agent: str, home: str) -> list[Path]:
    """The agent's login files and folders that exist in `home`."""
    paths = [Path(home, name) for name in get_profile(agent).login_paths]
    return [path for path in paths if path.exists()]


def check_host_login(agent: str | None, home: object, user: str | None) -> str:
    """The home folder to hand the login from, or ValueError naming what is wrong."""
    if agent is None or not get_profile(agent).login_paths:
        raise ValueError("host_login: hands over an agent CLI's login; give one of the agents")
    if home is True:
        home = str(Path.home())
    if not isinstance(home, str | os.PathLike) or not os.path.isdir(home):
        raise ValueError("host_login: must be true or an existing home folder")
    home = os.path.realpath(home)
    found = login_paths(agent, home)
    if not found:
        wanted = " or ".join(f"~/{name}" for name in get_profile(agent).login_paths)
        raise ValueError(
            f"host_login: there is no {agent} login in {home} ({wanted} is missing); "
            f"log in with the {agent} CLI on this machine first"
        )
    owner = found[0].stat()
    if user is None and owner.st_uid == 0:
        raise ValueError(
            f"host_login: the {agent} login in {home} belongs to root, and an agent runs as "
            "root only when asked: add --user root"
        )
    return home


def login_owner(agent: str, home: str) -> str:
    """uid:gid of the login, whom the agent runs as unless told otherwise."""
    info = login_paths(agent, home)[0].stat()
    return f"{info.st_uid}:{info.st_gid}"


def login_binds(agent: str, home: str, container_home: str) -> dict[str, dict[str, str]]:
    return {
        str(path): {"bind": f"{container_home.rstrip('/')}/{path.name}", "mode": "rw"}
        for path in login_paths(agent, home)
    }
