"""An image holding one setuid-root program that reports its own mode and owner and the
ids it runs with, built here: compiled with the host's gcc and imported with
`docker import` (no registry, no network)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .suite_docker import SuiteDocker

PROBE_PATH = "/setuid-probe"
_SOURCE = r"""
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    struct stat self;
    if (stat("/setuid-probe", &self) != 0) return 2;
    printf("mode=%o owner=%d uid=%d euid=%d\n", (unsigned)(self.st_mode & 07777),
           (int)self.st_uid, (int)getuid(), (int)geteuid());
    return 0;
}
"""


def build_setuid_probe_image(engine: SuiteDocker, reference: str) -> None:
    """Import `reference`: an image whose only file is PROBE_PATH, owned by root, mode 4755."""
    if shutil.which("gcc") is None:
        raise AssertionError("this scenario compiles its probe: install gcc and libc6-dev")
    with tempfile.TemporaryDirectory(prefix="agents-runner-setuid-") as folder:
        source, binary = Path(folder) / "probe.c", Path(folder) / "probe"
        source.write_text(_SOURCE)
        subprocess.run(
            ["gcc", "-static", "-Os", "-o", str(binary), str(source)],
            check=True,
            capture_output=True,
        )
        data = binary.read_bytes()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        member = tarfile.TarInfo(PROBE_PATH.lstrip("/"))
        member.size, member.mode, member.uid, member.gid = len(data), 0o4755, 0, 0
        tar.addfile(member, io.BytesIO(data))
    engine.import_image(archive.getvalue(), reference, changes=[f'CMD ["{PROBE_PATH}"]'])
