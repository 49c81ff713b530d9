"""An image as bare as a POSIX shell allows: the test image's files without
/etc/passwd and /etc/group, and with a /tmp that is 0755 and root's, as some
minimal images ship. The runner must not count on either."""

from __future__ import annotations

import io
import tarfile

from .suite_docker import SuiteDocker

_DROPPED = {"etc/passwd", "etc/group", "etc/shadow", "etc/gshadow"}


def make_bare_image(engine: SuiteDocker, base: str, reference: str, labels: dict[str, str]) -> None:
    rootfs = rootfs_of(engine, base, labels)
    engine.import_image(_stripped(rootfs), reference, changes=['CMD ["sh"]'])


def rootfs_of(engine: SuiteDocker, image: str, labels: dict[str, str]) -> bytes:
    """The image's files as a tar, from a container made (never started) and removed."""
    container_id = engine.create(image=image, argv=["true"], labels=labels)
    try:
        return engine.export(container_id)
    finally:
        engine.remove(container_id)


def _stripped(rootfs: bytes) -> bytes:
    output = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(rootfs)) as source,
        tarfile.open(fileobj=output, mode="w") as target,
    ):
        for member in source:
            name = member.name.lstrip("./")
            if name in _DROPPED:
                continue
            if name == "tmp" and member.isdir():
                member.mode, member.uid, member.gid = 0o755, 0, 0
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return output.getvalue()
