"""Why an agent stopped short of its work, read from the end of its output: it could not
reach its service, or its credentials were refused. Pure: no I/O."""

from __future__ import annotations

from .agents import FailureSigns

NETWORK = "it could not reach its service (no network)"
ACCOUNT = "its credentials or account were refused"


def diagnose(signs: FailureSigns | None, tail: str) -> str | None:
    """NETWORK, ACCOUNT or None. The network wins: only a service that was reached can
    refuse a credential."""
    if signs is None:
        return None
    text = tail.lower()
    if any(sign in text for sign in signs.network):
        return NETWORK
    if any(sign in text for sign in signs.account):
        return ACCOUNT
    return None
