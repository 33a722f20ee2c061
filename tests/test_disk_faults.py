"""A full or read-only disk: one clear line and a non-zero exit, the last good output in place and still served.

The disk is made to refuse writes for real, in the child process that writes:

- full: ``RLIMIT_FSIZE`` caps the size of any file the process writes (with ``SIGXFSZ``
  ignored, a write past it fails with ``EFBIG``, as it fails with ``ENOSPC`` on a full disk);
- read-only: the directory is bind-mounted read-only in a private mount namespace
  (``unshare --user --map-root-user --mount``), so every write in it fails with ``EROFS``.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx2
import pytest

from twingraph.config import Settings
from twingraph.pipeline import Built

ROOT = Path(__file__).resolve().parent.parent
FILE_LIMIT = 200_000  # bytes: smaller than the N-Triples dump, larger than anything read to start
TWINGRAPH = [sys.executable, "-c", "from twingraph.cli import main; main()"]


def small_files() -> None:
    """In the child: any file it writes is cut at FILE_LIMIT bytes, and the write past it fails (EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory (hidden ones too) and its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def dist(built: Built, settings: Settings, tmp_path: Path) -> Path:
    """A copy of the session's build, for a command to fail to replace."""
    return Path(shutil.copytree(settings.dist_dir, tmp_path / "site" / "dist"))


@pytest.fixture
def served(dist: Path, start_server: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    with start_server(dist) as url:
        yield url


def kazan(url: str) -> str:
    answer = httpx2.get(url + "/city/kazan", headers={"Accept": "text/turtle"}, timeout=30)
    assert answer.status_code == 200
    return answer.text


@pytest.mark.server
def test_a_full_disk_stops_build_with_one_line_and_the_last_build_is_still_served(dist: Path, served: str) -> None:
    before, page = snapshot(dist.parent), kazan(served)
    result = subprocess.run([*TWINGRAPH, "--dist", str(dist), "build"], cwd=ROOT, preexec_fn=small_files,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    line = one_error_line(result)
    assert "cannot write" in line and "File too large" in line and "nothing was replaced" in line, line
    assert snapshot(dist.parent) == before, "the last build is untouched and nothing is left beside it"
    assert kazan(served) == page


def test_a_full_disk_keeps_the_file_export_would_replace(dist: Path, tmp_path: Path) -> None:
    target = tmp_path / "kazan.nt"
    target.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    result = subprocess.run([*TWINGRAPH, "--dist", str(dist), "export", "--format", "ntriples", "-o", str(target)],
                            cwd=ROOT, preexec_fn=small_files, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert f"cannot write {target}" in one_error_line(result)
    assert target.read_bytes() == b"<urn:a> <urn:b> <urn:c> .\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kazan.nt", "site"]


def read_only(directory: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """``command`` run where ``directory`` is mounted read-only (a private mount namespace).

    Skips where the machine allows no such namespace.
    """
    if shutil.which("unshare") is None:
        pytest.skip("no unshare command (util-linux) to mount a directory read-only")
    namespace = ["unshare", "--user", "--map-root-user", "--mount"]
    probe = subprocess.run([*namespace, "mount", "--bind", "-o", "ro", str(directory), str(directory)],
                           capture_output=True, text=True)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"this machine allows no private read-only mount: {probe.stderr.strip()}")
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return subprocess.run([*namespace, "sh", "-c", script, "sh", str(directory), *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.mark.server
def test_a_read_only_disk_stops_build_with_one_line_and_the_last_build_is_still_served(
    dist: Path, served: str
) -> None:
    before, page = snapshot(dist.parent), kazan(served)
    result = read_only(dist.parent, [*TWINGRAPH, "--dist", str(dist), "build"])
    line = one_error_line(result)
    assert "cannot write" in line and "Read-only file system" in line and "--dist" in line, line
    assert snapshot(dist.parent) == before
    assert kazan(served) == page
