"""Files written so that a crash never leaves half of one: atomic replacement, and the
fsyncs that make a rename or a new file survive."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def random_hex(size: int) -> str:
    return os.urandom(size).hex()


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, rename over `path`, fsync the folder:
    a reader sees the old bytes or the new ones, never a torn file."""
    tmp = path.with_name(f".{path.name}.{random_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except OSError as exc:
        exc.filename = str(path)  # the file the caller writes, not our temporary one
        raise
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException as exc:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a write names no file
            exc.filename = str(path)
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def touch(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def remove_flat_folder(folder: Path) -> None:
    for name in os.listdir(folder):
        (folder / name).unlink(missing_ok=True)
    folder.rmdir()


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
