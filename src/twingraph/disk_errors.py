"""The disk's refusals of a write (full, read-only, not allowed) as one-line errors that say what to do.

``fileio`` writes every output through :func:`refused_writes`: a full disk or a
read-only directory ends a command with one line naming the file, never a traceback,
and the output that was there stays (the writers replace it only once the new one is whole).
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

from twingraph.errors import TwingraphError

# writes the disk refuses, and what the user can do about each
DISK_FULL = "free some space, or write elsewhere with --dist or -o"
UNWRITABLE = "write elsewhere with --dist, --data or -o, or make the directory writable"
WRITE_ERRORS = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: DISK_FULL, errno.EFBIG: DISK_FULL, errno.EROFS: UNWRITABLE}
DENIED = {errno.EACCES: UNWRITABLE, errno.EPERM: UNWRITABLE}


def unwritable(path: Path, exc: OSError) -> TwingraphError | None:
    """A one-line error for a write of ``path`` that the disk refused (full, read-only, not allowed), else None.

    A permission error counts only when it is about ``path``, its directory or what is in them,
    not a file being read elsewhere.

    >>> print(unwritable(Path("/srv/dist/a.nt"), OSError(errno.ENOSPC, "No space left on device")))
    cannot write /srv/dist/a.nt: No space left on device (free some space, or write elsewhere with --dist or -o); \
nothing was replaced: the last complete output is where it was
    >>> unwritable(Path("/srv/dist/a.nt"), OSError(errno.EACCES, "Permission denied", "/etc/shadow")) is None
    True
    """
    hint = WRITE_ERRORS.get(exc.errno or 0)
    if hint is None and exc.filename is not None and Path(exc.filename).parent in (path.parent, path):
        hint = DENIED.get(exc.errno or 0)
    if hint is None:
        return None
    return TwingraphError(f"cannot write {path}: {exc.strerror} ({hint}); nothing was replaced: the last complete "
                         "output is where it was")  # fmt: skip


@contextlib.contextmanager
def refused_writes(path: Path) -> Iterator[None]:
    """Turn the disk's refusal of a write of ``path`` in the block into its one-line error (:func:`unwritable`)."""
    try:
        yield
    except OSError as exc:
        error = unwritable(path, exc)
        if error is None:
            raise
        raise error from exc
