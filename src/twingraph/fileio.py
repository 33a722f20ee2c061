"""Atomic file output: write beside the target, then rename, so a failure leaves nothing partial.

Every file and directory twingraph writes goes through this module, and gets the
mode the user's umask gives a new file (0644 and 0755 under umask 022): the
temporary names of ``tempfile`` are private (0600, 0700) and would otherwise stay so
after the rename, unreadable by a web server running as another user.

Nothing is written inside the data bundled with an installed package
(:func:`ensure_writable`): a command that would write there stops and says what to do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from twingraph.config import bundled_root, is_inside
from twingraph.errors import TwingraphError

PROC_STATUS = Path("/proc/self/status")


def umask_from_status(status: str) -> int | None:
    """The umask in the text of Linux's ``/proc/self/status``, or None when it has no ``Umask:`` line.

    >>> oct(umask_from_status("Name:\\tpython\\nUmask:\\t0022\\nState:\\tR\\n") or 0)
    '0o22'
    >>> umask_from_status("Name:\\tpython\\n") is None
    True
    """
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key == "Umask":
            return int(value.strip(), 8)
    return None


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux 4.7+).

    Elsewhere it is set and set back: ``os.umask`` is the only portable way to read
    it, and for that instant it is process-wide, so the file is read first.
    """
    with contextlib.suppress(OSError, ValueError):
        found = umask_from_status(PROC_STATUS.read_text(encoding="ascii", errors="replace"))
        if found is not None:
            return found
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def file_mode(umask: int | None = None) -> int:
    """The mode of a new file under the umask (the current one by default).

    >>> oct(file_mode(0o022)), oct(file_mode(0o077))
    ('0o644', '0o600')
    """
    return 0o666 & ~(current_umask() if umask is None else umask)


def directory_mode(umask: int | None = None) -> int:
    """The mode of a new directory under the umask (the current one by default).

    >>> oct(directory_mode(0o022)), oct(directory_mode(0o077))
    ('0o755', '0o700')
    """
    return 0o777 & ~(current_umask() if umask is None else umask)


def ensure_writable(path: Path, what: str = "a file") -> Path:
    """Return ``path`` if twingraph may write there: anywhere but the installed package's bundled data.

    Commands call it before their work, with what they write, for a plain message;
    every writer of this module calls it again before it writes.

    Args:
        path: the file or directory about to be written.
        what: what would be written, for the message, e.g. ``"the links"``.

    Raises:
        TwingraphError: ``path`` is inside the data bundled with the installed package.
    """
    if is_inside(path, bundled_root()):
        raise TwingraphError(
            f"{what} would be written to {path}, inside the installed twingraph package, whose data is "
            "read-only: write it elsewhere, pass --data DIR (a copy of the data to work on), or run inside a checkout"
        )
    return path


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` when the block succeeds, and is removed when it fails.

    The file is made in the same directory (so the rename is atomic) with the
    mode of a new file under the umask; missing parent directories are made too.

    Example: ``with atomic_output(Path("map.svg")) as handle: figure.savefig(handle)``.

    Raises:
        TwingraphError: ``path`` is inside the installed package (:func:`ensure_writable`).
    """
    ensure_writable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), file_mode())
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory; return ``path``."""
    with atomic_output(path) as handle:
        handle.write(data)
    return path


def copy_atomic(source: Path, target: Path) -> Path:
    """Copy a file's bytes to ``target`` the way :func:`write_atomic` writes them; return ``target``."""
    with atomic_output(target) as handle, source.open("rb") as original:
        shutil.copyfileobj(original, handle)
    return target


@contextlib.contextmanager
def replacing_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh directory that replaces ``target`` only if the block succeeds.

    The old directory keeps its content until the new one is complete. The new
    one has the mode of a new directory under the umask.

    Raises:
        TwingraphError: ``target`` is inside the installed package (:func:`ensure_writable`).
    """
    ensure_writable(target, "a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staging.chmod(directory_mode())
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def write_files(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write several files into ``directory``: each is complete before any of them replaces what was there.

    They are all written into a staging directory beside them first, so a failure
    while writing leaves the directory as it was; then each is renamed into place.

    Raises:
        TwingraphError: ``directory`` is inside the installed package (:func:`ensure_writable`).
    """
    ensure_writable(directory, "files")
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory))
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        for name in files:
            os.replace(staging / name, directory / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [directory / name for name in files]
