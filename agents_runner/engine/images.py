"""Image calls: presence, pull (abortable, with progress), push, import, build."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import docker
from docker import errors

from ..spec_checks import split_image_reference
from .calls import CONNECTION_ERRORS, engine_call, explain, stream_error
from .dialect import CORRUPTED_DATA, means_corrupted, means_not_found
from .errors import EngineError, EngineUnavailable, ImageNotFound, PullFailed
from .transport import PullHandle, json_chunks, post_streaming


class ImageCalls:
    """The engine's images (a part of Engine, as docker-py's APIClient is built of one
    mixin per API concern)."""

    api: docker.APIClient

    def image_present(self, image: str) -> bool:
        with engine_call(f"inspecting image {image}"):
            try:
                self.api.inspect_image(image)
            except errors.NotFound:  # ImageNotFound is a NotFound
                return False
        return True

    def image_labels(self, image: str) -> dict[str, str] | None:
        """The image's labels, or None when it is not present."""
        with engine_call(f"inspecting image {image}"):
            try:
                found = self.api.inspect_image(image)
            except errors.NotFound:
                return None
        return dict((found.get("Config") or {}).get("Labels") or {})

    def pull(
        self,
        image: str,
        on_progress: Callable[[Mapping[str, Any]], None] | None = None,
        handle: PullHandle | None = None,
    ) -> None:
        """Pull `image`, checking every chunk of the stream for an error (the engine
        reports most pull failures inside a 200 response). `handle.abort()` from another
        thread ends the pull: the connection is shut, and the engine cancels it."""
        handle = handle or PullHandle()
        repository, tag = split_image_reference(image)
        with engine_call(f"pulling {image} failed", PullFailed):
            try:
                response = post_streaming(
                    self.api, "/images/create", params={"fromImage": repository, "tag": tag}
                )
            except errors.NotFound as exc:
                raise ImageNotFound(f"image {image} not found: {explain(exc)}") from exc
        handle.attach(response)
        try:
            for chunk in json_chunks(self.api, response):
                handle.raise_if_aborted(image)
                message = stream_error(chunk)
                if message:
                    raise _pull_error(image, message)
                if on_progress is not None:
                    on_progress(chunk)
            handle.raise_if_aborted(image)
        except (
            *CONNECTION_ERRORS,
            ValueError,
            AttributeError,  # http.client, reading a response an abort has just closed
        ) as exc:
            handle.raise_if_aborted(image)
            # The engine reports a failed pull inside the stream; a stream that breaks is
            # the connection to the engine going, which a caller may ride out.
            raise EngineUnavailable(
                f"the Docker engine is unreachable (the connection broke pulling {image}: {exc})"
            ) from exc
        finally:
            handle.detach()
            response.close()

    def push(self, image: str) -> None:
        repository, tag = split_image_reference(image)
        with engine_call(f"pushing {image}"):
            for chunk in self.api.push(repository, tag=tag, stream=True, decode=True):
                message = stream_error(chunk)
                if message:
                    raise EngineError(f"pushing {image} failed: {message}")

    def import_image(self, tar_bytes: bytes, image: str, changes: Sequence[str] = ()) -> None:
        with engine_call(f"importing {image}"):
            # The whole reference as the repository: Podman ignores a separate tag.
            self.api.import_image_from_data(
                tar_bytes, repository=image, changes=list(changes) or None
            )

    def build_image(
        self,
        context: str,
        tag: str,
        *,
        buildargs: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        network: str | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        """`docker build` of the folder `context` (its Dockerfile), checking every chunk of
        the engine's answer for an error; each line of its output goes to `on_line`."""
        with engine_call(f"building {tag} failed", EngineError):
            for chunk in self.api.build(
                path=context,
                tag=tag,
                buildargs=dict(buildargs or {}),
                labels=dict(labels or {}) or None,
                network_mode=network,
                rm=True,
                forcerm=True,
                decode=True,
            ):
                message = stream_error(chunk)
                if message:
                    raise EngineError(f"building {tag} failed: {message}")
                text = chunk.get("stream")
                if text and on_line is not None:
                    for line in text.splitlines():
                        if line.strip():
                            on_line(line)

    def remove_image(self, image: str) -> None:
        with engine_call(f"removing image {image}"), contextlib.suppress(errors.NotFound):
            self.api.remove_image(image, force=True)


def _pull_error(image: str, message: str) -> EngineError:
    if means_not_found(message):
        return ImageNotFound(f"image {image} not found: {message}")
    if means_corrupted(message):
        return PullFailed(f"pulling {image} failed: {CORRUPTED_DATA} (the engine: {message})")
    return PullFailed(f"pulling {image} failed: {message}")
