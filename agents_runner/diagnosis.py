"""Why an agent stopped short of its work, read from the end of its output: it could not
reach its service, or its credentials were refused; or, when its output says neither,
that its container had no network. Pure: no I/O."""

from __future__ import annotations

from .agents import FailureSigns

NETWORK = "it could not reach its service (no network)"
ACCOUNT = "its credentials or account were refused"
OFFLINE = "its container has no network, so it could not reach its service"


def diagnose(signs: FailureSigns | None, tail: str, *, offline: bool = False) -> str | None:
    """NETWORK, ACCOUNT, OFFLINE or None. The agent's own words win, and among them the
    network: only a service that was reached can refuse a credential. OFFLINE is what is
    known of an agent whose output says neither, in a container with no network."""
    if signs is None:
        return None
    text = tail.lower()
    if any(sign in text for sign in signs.network):
        return NETWORK
    if any(sign in text for sign in signs.account):
        return ACCOUNT
    return OFFLINE if offline else None
