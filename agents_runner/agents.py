"""Agent profiles: how an agent name and a prompt become the argv of its CLI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentProfile:
    name: str
    description: str
    build: Callable[[str, Sequence[str]], list[str]]

    def argv(self, prompt: str, extra_args: Sequence[str] = ()) -> list[str]:
        return self.build(prompt, extra_args)


def _echo(prompt: str, extra_args: Sequence[str]) -> list[str]:
    return ["echo", *extra_args, prompt]


PROFILES: dict[str, AgentProfile] = {
    profile.name: profile
    for profile in (
        AgentProfile("echo", "prints the prompt; a stand-in agent for trying things out", _echo),
    )
}


def known_agents() -> list[str]:
    return sorted(PROFILES)


def get_profile(name: str) -> AgentProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"agent: unknown agent {name!r}; known agents: {', '.join(known_agents())}"
        ) from None
