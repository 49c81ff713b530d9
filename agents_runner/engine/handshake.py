"""Meeting an engine with one `/_ping`: its headers name the API version the engine
speaks and whether it is Podman. docker-py's `version="auto"` asks `/version` instead,
on every connect, and Podman answers that by asking the host's package manager about
its parts (0.25 s and 8 `dpkg-query` processes per call on Podman 4.3 here; Docker 20.10
answers either in about 10 ms)."""

from __future__ import annotations

from collections.abc import Callable

import docker
from docker import errors, utils

_OLDEST = docker.constants.MINIMUM_DOCKER_API_VERSION


def connect(make: Callable[[str], docker.APIClient]) -> tuple[docker.APIClient, dict[str, str]]:
    """The client `make(version)` gives, speaking the API version the engine's `/_ping`
    names, and that answer's headers (their names in lower case). An engine whose ping
    is refused with an HTTP error (a socket proxy may allow only some paths) or names
    no version is asked `/version`, as docker-py's "auto" does, and the headers are then
    empty. An engine that cannot be reached raises as it did with "auto"."""
    api = make(_OLDEST)  # `/_ping` is not versioned: the client's version does not matter
    try:
        try:
            headers = ping_headers(api)
        except errors.APIError:
            headers = {}
        version = headers.get("api-version") or _asked_version(api)
        if utils.version_lt(version, _OLDEST):
            raise errors.DockerException(
                f"the engine speaks API {version}, older than {_OLDEST}, the oldest this "
                "client speaks"
            )
    except BaseException:
        api.close()
        raise
    # One client, its version set once known (not a second client: an ssh:// host is
    # connected to as the client is made).
    api._version = version
    return api, headers


def ping_headers(api: docker.APIClient) -> dict[str, str]:
    response = api._get(api._url("/_ping", versioned_api=False))
    api._raise_for_status(response)
    return {name.lower(): value for name, value in response.headers.items()}


def _asked_version(api: docker.APIClient) -> str:
    """`/version`'s answer, failing as docker-py's "auto" does (a DockerException)."""
    try:
        return str(api.version(api_version=False)["ApiVersion"])
    except (errors.APIError, KeyError, TypeError) as exc:
        raise errors.DockerException(f"Error while fetching server API version: {exc}") from exc
