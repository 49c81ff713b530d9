"""Which engine answers, from its `/_ping` headers (as this machine's engines sent them)."""

import pytest
from docker import errors

from agents_runner.engine.dialect import EngineDialect
from agents_runner.engine.handshake import connect

DOCKER_PING = {
    "Api-Version": "1.41",
    "Docker-Experimental": "false",
    "Ostype": "linux",
    "Server": "Docker/20.10.24+dfsg1 (linux)",
}
PODMAN_PING = {
    "Api-Version": "1.41",
    "Docker-Experimental": "true",
    "Libpod-Api-Version": "4.3.1",
    "Libpod-Buildah-Version": "1.28.2",
    "Server": "Libpod/4.3.1 (linux)",
}


def test_docker_is_docker() -> None:
    assert EngineDialect.from_ping(DOCKER_PING).kind == "docker"


def test_podman_is_podman_by_its_own_header_or_its_server() -> None:
    assert EngineDialect.from_ping(PODMAN_PING).kind == "podman"
    assert EngineDialect.from_ping({"libpod-api-version": "4.3.1"}).kind == "podman"
    assert EngineDialect.from_ping({"Server": "Libpod/5.0.0 (linux)"}).kind == "podman"


class _Answer:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code, self.headers = status, headers


class _Client:
    """Stands for docker-py's APIClient in `connect`: what its `/_ping` and `/version`
    answer, and whether it was closed."""

    def __init__(self, ping: _Answer, version: dict | Exception) -> None:
        self.ping, self.answer, self.closed, self._version = ping, version, False, None
        self.versions_asked = 0

    def _url(self, path: str, versioned_api: bool = True) -> str:
        return path

    def _get(self, url: str) -> _Answer:
        return self.ping

    def _raise_for_status(self, response: _Answer) -> None:
        if response.status_code >= 400:
            raise errors.APIError("refused", response=None, explanation="forbidden")

    def version(self, api_version: bool = True) -> dict:
        self.versions_asked += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def close(self) -> None:
        self.closed = True


def test_the_ping_names_the_version_and_no_version_is_asked() -> None:
    client = _Client(_Answer(200, {"API-Version": "1.41", "Server": "x"}), {})
    api, headers = connect(lambda version: client)
    assert (api._version, headers["api-version"], client.versions_asked) == ("1.41", "1.41", 0)


def test_a_refused_ping_falls_back_to_the_version_answer() -> None:
    client = _Client(_Answer(403, {}), {"ApiVersion": "1.40"})
    api, headers = connect(lambda version: client)
    assert (api._version, headers, client.versions_asked) == ("1.40", {}, 1)


def test_a_refused_version_too_is_an_engine_that_cannot_be_met() -> None:
    refused = errors.APIError("refused", response=None, explanation="forbidden")
    client = _Client(_Answer(403, {}), refused)
    with pytest.raises(errors.DockerException) as raised:
        connect(lambda version: client)
    assert not isinstance(raised.value, errors.APIError) and client.closed


def test_an_engine_older_than_the_client_is_refused() -> None:
    client = _Client(_Answer(200, {"Api-Version": "1.12"}), {})
    with pytest.raises(errors.DockerException, match="older than"):
        connect(lambda version: client)
    assert client.closed
