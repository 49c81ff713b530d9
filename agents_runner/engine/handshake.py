"""Meeting an engine with one `/_ping`: its headers name the API version the engine
speaks and whether it is Podman. docker-py's `version="auto"` asks `/version` instead,
on every connect, and Podman answers that by asking the host's package manager about
its parts (0.25 s and 8 `dpkg-query` processes per call on Podman 4.3 here; Docker 20.10
answers either in about 10 ms)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import docker

# Any version docker-py accepts: `/_ping` is not versioned, so the probe's never matters.
_PROBE_VERSION = docker.constants.MINIMUM_DOCKER_API_VERSION


def connect(
    make: Callable[[str], docker.APIClient],
) -> tuple[docker.APIClient, Mapping[str, str]]:
    """A client made by `make(version)` at the API version the engine's `/_ping` names,
    with that answer's headers. An engine whose answer names no version is asked
    `/version`, as docker-py does (the headers are then empty)."""
    probe = make(_PROBE_VERSION)
    try:
        headers = ping_headers(probe)
    finally:
        probe.close()
    version = headers.get("Api-Version")
    if not version:
        return make("auto"), {}
    return make(version), headers


def ping_headers(api: docker.APIClient) -> dict[str, str]:
    response = api._get(api._url("/_ping", versioned_api=False))
    api._raise_for_status(response)
    return dict(response.headers)
