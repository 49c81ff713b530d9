"""`images`: the agents' own images, listed or built (agents_runner/agent_images)."""

from __future__ import annotations

import argparse
import sys

from ..agents import NODE_IMAGE, get_profile
from ..engine import Engine
from ..engine.errors import EngineError, EngineUnavailable
from ..image_builder import (
    agents_with_images,
    build_agent_image,
    check_offline_folder,
    image_state,
    profile_with_image,
)
from ..terminal import format_rows
from .common import BadInput, fail

EXIT_BUILD_FAILED = 1


def cmd_images(args: argparse.Namespace) -> int:
    if args.action not in ("list", "build"):
        raise BadInput(
            f"images: {args.action!r} is not an action (list or build): 'images list "
            f"{args.action}' lists its image, 'images build {args.action}' builds it"
        )
    if args.offline_from is not None and args.action != "build":
        raise BadInput("--offline-from: only 'images build' takes it")
    agents = args.agents or agents_with_images()
    for agent in agents:
        try:  # an unknown agent, or one without an image, says so
            profile_with_image(agent)
        except ValueError as exc:
            raise BadInput(f"images {args.action}: {str(exc).removeprefix('agent: ')}") from None
    if args.offline_from is not None and not args.agents:
        raise BadInput("--offline-from: name the agents whose packages the folder holds")
    if args.offline_from is not None:
        check_offline_folder(args.offline_from)  # before a line saying a build begins
    engine = Engine.from_env()  # images belong to the engine, not to a state dir
    if args.action == "list":
        rows = [["AGENT", "IMAGE", "CLI", "NODE.JS", "ENGINES", "CHECKED", "HERE"]]
        for agent in agents:
            profile = get_profile(agent)
            release = profile.release
            assert release is not None
            rows.append(
                [
                    agent,
                    str(profile.default_image),
                    f"{release.package}@{release.version}",
                    NODE_IMAGE.split(":")[1].split("-")[0],
                    release.node_engines or "-",
                    release.checked,
                    image_state(engine, agent),
                ]
            )
        print(format_rows(rows))
        return 0
    for agent in agents:
        print(f"building the {agent} image", file=sys.stderr, flush=True)
        try:
            tag = build_agent_image(
                engine,
                agent,
                offline_from=args.offline_from,
                on_line=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
            )
        except EngineUnavailable:
            raise
        except EngineError as exc:
            return fail(str(exc), EXIT_BUILD_FAILED)
        print(tag, flush=True)
    return 0
