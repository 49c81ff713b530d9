"""Which engine answers, from its `/_ping` headers (as this machine's engines sent them)."""

from agents_runner.engine.dialect import EngineDialect

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
