"""The suite's own hands and eyes on the engine: docker-py's low-level client, used
directly. The product's engine module is what the suite tests (and what the mutation
run mutates), so the suite never reads, creates or removes anything through it: a
fault there cannot blind a check or fake a clean-up."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import docker
from docker import errors

from .contract_names import split_reference
from .waiting import wait_until


class SuiteDockerError(RuntimeError):
    """The engine could not be reached, or refused what the suite asked of it."""


@contextlib.contextmanager
def _asking(what: str) -> Iterator[None]:
    """docker-py's errors, and requests' (which are OSErrors), as one error naming what
    was asked."""
    try:
        yield
    except (errors.DockerException, OSError) as exc:
        raise SuiteDockerError(f"{what}: {exc}") from exc


def says_gone(exc: BaseException) -> bool:
    """Whether an engine's error says the container does not exist: Docker's 404, or
    Podman's 500 "… does not exist in database: no such container" during a removal."""
    said = str(getattr(exc, "explanation", None) or "").lower()
    return getattr(exc, "status_code", None) == 404 or "no such container" in said


def _ping_headers(api: docker.APIClient) -> dict[str, str]:
    response = api._get(api._url("/_ping", versioned_api=False))
    api._raise_for_status(response)
    return {name.lower(): value for name, value in response.headers.items()}


class SuiteDocker:
    """The few engine calls the suite makes for itself, each one docker-py call."""

    def __init__(self, api: docker.APIClient, ping: Mapping[str, str] | None = None) -> None:
        self.api = api
        self._ping = dict(ping or {})  # as _ping_headers gives them: names in lower case

    @classmethod
    def from_env(cls) -> SuiteDocker:
        """The engine DOCKER_HOST names, as the Docker SDK reads it, at the API version
        its `/_ping` names: docker-py's "auto" asks `/version`, which costs Podman a
        quarter of a second and eight `dpkg-query` runs each time."""
        with _asking("connecting to the engine"):
            api = docker.from_env(version=docker.constants.MINIMUM_DOCKER_API_VERSION).api
            try:
                ping = _ping_headers(api)
                api._version = ping.get("api-version") or api.version()["ApiVersion"]
            except BaseException:
                api.close()
                raise
            return cls(api, ping)

    @functools.cached_property
    def kind(self) -> str:
        """ "podman" or "docker", by the engine's own `/_ping` answer: Podman's service
        adds its `Libpod-Api-Version` header and names itself in `Server`."""
        ping = self._ping or _ping_headers(self.api)
        podman = "libpod-api-version" in ping or "libpod" in ping.get("server", "").lower()
        return "podman" if podman else "docker"

    def ping(self) -> None:
        with _asking("the engine does not answer"):
            self.api.ping()

    def info(self) -> dict[str, Any]:
        return dict(self.api.info())

    def close(self) -> None:
        self.api.close()

    def address_of(self, container_id: str) -> str | None:
        """Where the docker command finds the container: None, the engine DOCKER_HOST
        names."""
        return None

    def event_log(self, labels: dict[str, str], since: float) -> Any:
        """Its events for containers carrying `labels` (events.EventLog)."""
        from .events import EventLog  # events.py builds on this module

        return EventLog(self, labels, since)

    # -- images ----------------------------------------------------------------

    def image_pulls(self, since: int, until: int) -> list[str]:
        """The names the engine's pull events give, from `since` to `until` (Unix seconds):
        the event's id and its actor's name (Docker names the reference in the first,
        Podman in the second)."""
        filters = {"type": "image", "event": "pull"}
        with _asking("reading the engine's image events"):
            events = list(self.api.events(since=since, until=until, filters=filters, decode=True))
        names = []
        for event in events:
            attributes = (event.get("Actor") or {}).get("Attributes") or {}
            names += [str(event.get("id", "")), str(attributes.get("name", ""))]
        return [name for name in names if name]

    def image_present(self, reference: str) -> bool:
        with _asking(f"inspecting image {reference}"):
            try:
                self.api.inspect_image(reference)
            except errors.NotFound:
                return False
        return True

    def image_tags(self) -> list[str]:
        """Every repository:tag the engine has an image under."""
        with _asking("listing images"):
            images = self.api.images()
        return [tag for image in images for tag in image.get("RepoTags") or []]

    def pull(self, reference: str) -> None:
        self._transfer("pulling", self.api.pull, reference)

    def push(self, reference: str) -> None:
        self._transfer("pushing", self.api.push, reference)

    @staticmethod
    def _transfer(verb: str, call: Callable[..., Iterable[dict[str, Any]]], reference: str) -> None:
        """A pull or a push, followed to its end; an error the engine streams is raised."""
        repository, tag = split_reference(reference)
        with _asking(f"{verb} {reference}"):
            for chunk in call(repository, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    raise SuiteDockerError(f"{verb} {reference} failed: {chunk['error']}")

    def import_image(self, tar_bytes: bytes, reference: str, changes: Sequence[str] = ()) -> None:
        # The whole reference as the repository: Podman ignores a separate tag.
        self.api.import_image_from_data(
            tar_bytes, repository=reference, changes=list(changes) or None
        )

    def remove_image(self, reference: str) -> None:
        with contextlib.suppress(errors.NotFound):
            self.api.remove_image(reference, force=True)

    # -- containers ------------------------------------------------------------

    def create(
        self,
        *,
        image: str,
        argv: Sequence[str],
        labels: Mapping[str, str],
        network: str = "none",
        name: str | None = None,
        binds: Mapping[str, Mapping[str, str]] | None = None,
    ) -> str:
        """A container, never started here; its id."""
        host_config = self.api.create_host_config(
            network_mode=network, binds=dict(binds) if binds else None
        )
        created = self.api.create_container(
            image, command=list(argv), name=name, labels=dict(labels), host_config=host_config
        )
        return str(created["Id"])

    def start(self, container_id: str) -> None:
        self.api.start(container_id)

    def remove(self, container_id: str) -> None:
        """Remove it, running or not; one already gone, or going, is fine."""
        try:
            self.api.remove_container(container_id, force=True)
        except errors.APIError as exc:
            if not (says_gone(exc) or "in progress" in str(exc.explanation or exc).lower()):
                raise

    def remove_volume(self, name: str, timeout: float = 60) -> None:
        """Remove a volume; one already gone is fine. While the container that uses it is
        still being removed (409, "volume is in use"), wait for it, up to `timeout` s."""

        def removed() -> bool:
            try:
                self.api.remove_volume(name, force=True)
            except errors.NotFound:
                return True
            except errors.APIError as exc:
                if exc.status_code != 409:
                    raise
                return False
            return True

        wait_until(removed, bool, timeout=timeout, describe=f"volume {name} no longer in use")

    # -- networks --------------------------------------------------------------

    def create_network(self, name: str, labels: Mapping[str, str]) -> None:
        """A network of the engine's default driver, internal: nothing on it reaches
        beyond the machine."""
        self.api.create_network(name, internal=True, labels=dict(labels))

    def networks(self, labels: Mapping[str, str]) -> list[str]:
        """The names of the networks carrying all the labels."""
        selectors = [f"{key}={value}" for key, value in labels.items()]
        found = self.api.networks(filters={"label": selectors})
        return sorted(
            str(n["Name"])
            for n in found
            if all((n.get("Labels") or {}).get(k) == v for k, v in labels.items())
        )

    def remove_network(self, name: str) -> None:
        with contextlib.suppress(errors.NotFound):
            self.api.remove_network(name)

    def export(self, container_id: str) -> bytes:
        return b"".join(self.api.export(container_id))
