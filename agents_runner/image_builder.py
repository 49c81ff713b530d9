"""Building an agent's image from its Dockerfile in agents_runner/agent_images: the CLI's
pinned npm release on the official Node.js image, run as `node` in /workspace."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from .agents import PROFILES, AgentProfile, get_profile
from .engine import Engine
from .engine.errors import EngineError, EngineUnavailable

DOCKERFILES = Path(__file__).parent / "agent_images"
# The Dockerfile an image was built from, so that a changed one shows the image is stale.
DOCKERFILE_LABEL = "io.agents-runner.dockerfile-sha256"


def agents_with_images() -> list[str]:
    return sorted(name for name, profile in PROFILES.items() if profile.release is not None)


def profile_with_image(agent: str) -> AgentProfile:
    profile = get_profile(agent)
    if profile.release is None:
        raise ValueError(
            f"agent: the {agent} agent has no image of its own; agents with one: "
            + ", ".join(agents_with_images())
        )
    return profile


def dockerfile(agent: str) -> Path:
    return DOCKERFILES / agent / "Dockerfile"


def dockerfile_digest(agent: str) -> str:
    return hashlib.sha256(dockerfile(agent).read_bytes()).hexdigest()


def image_state(engine: Engine, agent: str) -> str:
    """ "built", "missing", or "stale" (built from another Dockerfile)."""
    tag = profile_with_image(agent).default_image
    assert tag is not None
    return state_by_labels(engine.image_labels(tag), dockerfile_digest(agent))


def state_by_labels(labels: Mapping[str, str] | None, digest: str) -> str:
    """An image's state by its labels (None: no such image) and today's Dockerfile's
    digest."""
    if labels is None:
        return "missing"
    return "built" if labels.get(DOCKERFILE_LABEL) == digest else "stale"


def build_agent_image(
    engine: Engine,
    agent: str,
    *,
    offline_from: str | os.PathLike[str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> str:
    """Build the agent's image and return its tag. With `offline_from`, a folder holding
    npm's cache in npm-cache/ (as `npm install --cache DIR` fills it) and the Debian
    packages of ca-certificates in debs/ (as `apt-get download` fetches them), the build
    has no network: for machines whose containers reach no registry."""
    profile = profile_with_image(agent)
    tag = profile.default_image
    assert tag is not None
    with tempfile.TemporaryDirectory(prefix="agents-runner-build-") as context:
        shutil.copy(dockerfile(agent), context)
        buildargs: dict[str, str] = {}
        network = None
        if offline_from is not None:
            source = Path(offline_from)
            check_offline_folder(source)
            _link_tree(source / "npm-cache", Path(context, "npm-cache"))
            _link_tree(source / "debs", Path(context, "debs"))
            buildargs["npm_config_offline"] = "true"
            network = "none"
        try:
            engine.build_image(
                context,
                tag,
                buildargs=buildargs,
                labels={DOCKERFILE_LABEL: dockerfile_digest(agent)},
                network=network,
                on_line=on_line,
            )
        except EngineError as exc:
            if offline_from is None and not isinstance(exc, EngineUnavailable):
                raise EngineError(
                    f"{exc} (npm and apt need the network in the build; where the engine's "
                    "builds have none, use --offline-from DIR)"
                ) from exc
            raise
    return tag


def check_offline_folder(source: str | os.PathLike[str]) -> None:
    """ValueError (naming `offline_from`) unless the folder holds what an offline build
    takes: npm's cache in npm-cache/ and Debian packages in debs/."""
    folder = Path(source)
    if not Path(folder, "npm-cache", "_cacache").is_dir():
        raise ValueError(f"offline_from: {os.fspath(folder)!r} has no npm cache in npm-cache/")
    if not list(folder.glob("debs/*.deb")):
        raise ValueError(f"offline_from: {os.fspath(folder)!r} has no Debian packages in debs/")


def _link_tree(source: Path, target: Path) -> None:
    """A copy made of hard links where the filesystem allows: a cache is hundreds of MB."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)
