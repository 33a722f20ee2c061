"""Output that survives a kill: write beside the target, then rename, so a failure or kill leaves nothing partial.

Every file and directory twingraph writes goes through this module, and gets the
mode the user's umask gives a new file (0644 and 0755 under umask 022): the
temporary names of ``tempfile`` are private (0600, 0700) and would otherwise stay so
after the rename, unreadable by a web server running as another user.

A directory is replaced whole (:func:`replacing_directory`). On Linux the complete
new directory and the old one trade places in one step (``renameat2`` with
``RENAME_EXCHANGE``), so a reader, or a kill, never finds the target missing. Where
the system cannot exchange (no ``renameat2``, or a filesystem that refuses the flag)
it falls back to two renames, the old directory to ``.NAME.old`` then the new one to
``NAME``; a kill between the two leaves the target missing until the next run of any
writer of it, which first puts ``.NAME.old`` back.

Each writer holds an exclusive ``flock`` on ``.NAME.lock`` beside what it stages, for
as long as it writes (:func:`claiming`). A second run writing the same target waits for
the first to finish rather than fail: the first may be a long ``site`` export, and the
second's work is still wanted. The lock file is removed when its writer is done, so it
stays only after a kill; then, holding the lock, the next writer removes what is left
under its writers' names (``.NAME.`` and tempfile's eight random characters, ``.tmp``
for a file; ``.NAME.old``), which can only be a dead run's: a live run's staging is
never touched. A directory writer clears them every run, so also those of versions
before the lock.

Nothing is written inside the data bundled with an installed package
(:func:`ensure_writable`): a command that would write there stops and says what to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from twingraph.config import bundled_root, is_inside
from twingraph.disk_errors import refused_writes
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


# -- strays of dead runs, and the lock that tells them from a live run's ----------------------------

# Linux's renameat2(2): paths relative to the working directory, and the flag that swaps two paths
AT_FDCWD = -100
RENAME_EXCHANGE = 2
# what tempfile's mkstemp and mkdtemp put between the prefix and the suffix: eight of a-z, 0-9 and _
RANDOM_PART = "[a-z0-9_]{8}"


def stray_pattern(name: str) -> re.Pattern[str]:
    """The names of the staging entries of writers of ``name``: ``.NAME.`` and tempfile's random part, or ``old``.

    A staging directory, a temporary file (``.tmp``), the old directory of a two-step
    swap; not the lock (``.NAME.lock``), nor anything of another target's name.

    >>> pattern = stray_pattern("dist")
    >>> [bool(pattern.fullmatch(n)) for n in (".dist.k2_x9abc", ".dist.k2_x9abc.tmp", ".dist.old")]
    [True, True, True]
    >>> [bool(pattern.fullmatch(n)) for n in ("dist", ".dist.lock", ".dist.old.k2_x9abc.tmp", ".distx.k2_x9abc")]
    [False, False, False, False]
    """
    return re.compile(re.escape(f".{name}.") + f"(?:{RANDOM_PART}(?:\\.tmp)?|old)")


def old_path(target: Path) -> Path:
    """Where a two-step swap keeps the old ``target`` between its two renames.

    >>> old_path(Path("site/public")).as_posix()
    'site/.public.old'
    """
    return target.with_name(f".{target.name}.old")


def remove_path(path: Path) -> None:
    """Remove a file, link or whole directory, if it is there; what cannot be removed is left for the next run."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def restore_interrupted(target: Path) -> bool:
    """Put back the old ``target`` a two-step swap killed between its renames left aside; whether it did.

    The caller holds the lock of ``target`` (:func:`claiming`).
    """
    old = old_path(target)
    if os.path.lexists(target) or not os.path.lexists(old):
        return False
    os.replace(old, target)
    return True


def remove_strays(directory: Path, name: str) -> list[str]:
    """Remove what dead writers of ``name`` left in ``directory`` (:func:`stray_pattern`); return their names.

    The caller holds the lock of ``name`` (:func:`claiming`), so no live run owns them.
    ``.NAME.old`` is only removed once ``NAME`` is in place (:func:`restore_interrupted`).
    """
    pattern, prefix = stray_pattern(name), f".{name}."
    with os.scandir(directory) as entries:
        strays = sorted(e.name for e in entries if e.name.startswith(prefix) and pattern.fullmatch(e.name))
    if not os.path.lexists(directory / name):
        strays = [stray for stray in strays if stray != old_path(directory / name).name]
    for stray in strays:
        remove_path(directory / stray)
    return strays


def is_same_file(descriptor: int, path: Path) -> bool:
    """Whether ``path`` names the file open at ``descriptor`` (False when nothing is at ``path``)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def open_lock(lock: Path) -> tuple[int, bool]:
    """Open the file ``lock``, made if missing; return its descriptor and whether it was there already."""
    while True:
        with contextlib.suppress(FileExistsError):
            return os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), False
        with contextlib.suppress(FileNotFoundError):  # its holder removed it meanwhile
            return os.open(lock, os.O_RDONLY | os.O_CLOEXEC), True


def acquire_lock(lock: Path) -> tuple[int, bool]:
    """Wait for an exclusive ``flock`` on the file ``lock``; return its descriptor and whether the file was left.

    A holder removes the file before it lets go (:func:`holding_lock`): a lock won on a
    file no longer at ``lock`` is worth nothing, and is taken again on the new one. So a
    file that was there already when the lock is won was left by a holder that died.
    """
    while True:
        descriptor, found = open_lock(lock)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if is_same_file(descriptor, lock):
                return descriptor, found
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)


@contextlib.contextmanager
def holding_lock(lock: Path) -> Iterator[bool]:
    """Hold an exclusive lock on the file ``lock`` for the block, after any other holder; yield whether one died.

    The file is removed when the block ends, so it stays only where its holder was killed.
    """
    descriptor, left = acquire_lock(lock)
    try:
        yield left
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(descriptor)


@contextlib.contextmanager
def claiming(directory: Path, name: str, *, always_sweep: bool = False) -> Iterator[None]:
    """Be the only writer of ``name`` in ``directory`` for the block, after clearing up after dead ones.

    Holds ``.NAME.lock`` in ``directory`` and puts back a directory a killed two-step swap
    left aside. Dead runs' staging entries are removed where one left the lock file (made
    before them, removed after them), or with ``always_sweep``: a directory writer's choice,
    while a writer of many files into one directory would list it once per file.
    """
    with holding_lock(directory / f".{name}.lock") as left:
        restore_interrupted(directory / name)
        if left or always_sweep:
            remove_strays(directory, name)
        yield


# -- swapping a directory into place --------------------------------------------------------------


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step, with Linux's ``renameat2(RENAME_EXCHANGE)``.

    Returns:
        True when they were swapped; False, having changed nothing, where the system cannot:
        no ``renameat2`` in the C library (not Linux, or glibc before 2.28), or a kernel or
        filesystem without the flag (``ENOSYS``, ``EINVAL``).

    Raises:
        OSError: the swap failed for another reason, e.g. a missing path or no permission.
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(error, os.strerror(error), str(first), None, str(second))


def replace_in_two_steps(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` where :func:`exchange` cannot: old aside, then new in place.

    Between the two renames ``target`` is missing and its old content is at ``.NAME.old``;
    the next writer of ``target`` puts it back (:func:`restore_interrupted`) after a kill there.
    """
    old = old_path(target)
    remove_path(old)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    remove_path(old)


def swap_into_place(staging: Path, target: Path) -> None:
    """Put the complete directory ``staging`` at ``target``, and remove what was there.

    In one step where the system allows it (:func:`exchange`), else in two (:func:`replace_in_two_steps`).
    """
    if not os.path.lexists(target):
        os.replace(staging, target)
    elif exchange(staging, target):
        remove_path(staging)  # now the old content
    else:
        replace_in_two_steps(staging, target)


# -- the writers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` when the block succeeds, and is removed when it fails.

    The file is made in the same directory (so the rename is atomic) with the
    mode of a new file under the umask; missing parent directories are made too.
    A second writer of ``path`` waits for this one (:func:`claiming`).

    Example: ``with atomic_output(Path("map.svg")) as handle: figure.savefig(handle)``.

    Raises:
        TwingraphError: ``path`` is inside the installed package (:func:`ensure_writable`), or the disk
            refused the write (full, read-only: :func:`unwritable`).
    """
    ensure_writable(path)
    with refused_writes(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with claiming(path.parent, path.name):
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

    The old directory keeps its content until the new one is complete, then they trade
    places (:func:`swap_into_place`): killed at any moment, the run leaves the old or the
    new directory, whole. The new one has the mode of a new directory under the umask.
    A second writer of ``target`` waits for this one (:func:`claiming`).

    Raises:
        TwingraphError: ``target`` is inside the installed package (:func:`ensure_writable`), or the
            disk refused a write (:func:`unwritable`).
    """
    ensure_writable(target, "a directory")
    with refused_writes(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        with claiming(target.parent, target.name, always_sweep=True):
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            try:
                staging.chmod(directory_mode())
                yield staging
                swap_into_place(staging, target)
            except BaseException:
                remove_path(staging)
                raise


def write_files(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write several files into ``directory``: each is complete before any of them replaces what was there.

    They are all written into a staging directory inside it first, so a failure while
    writing leaves the directory as it was; then each is renamed into place. A second
    writer waits for this one (:func:`claiming`; the lock is inside, beside the staging).

    Raises:
        TwingraphError: ``directory`` is inside the installed package (:func:`ensure_writable`), or
            the disk refused a write (:func:`unwritable`).
    """
    ensure_writable(directory, "files")
    name = directory.absolute().name
    with refused_writes(directory):
        directory.mkdir(parents=True, exist_ok=True)
        with claiming(directory, name, always_sweep=True):
            staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=directory))
            try:
                for file_name, data in files.items():
                    write_atomic(staging / file_name, data)
                for file_name in files:
                    os.replace(staging / file_name, directory / file_name)
            finally:
                remove_path(staging)
    return [directory / file_name for file_name in files]
