"""Outputs that survive a kill: killed at any moment, a writer leaves the old output or the new one, whole.

Two kinds of kill, both with ``SIGKILL`` (nothing of ours runs after it):

- at every step: a child process runs the real writer with an audit hook
  (:func:`sys.addaudithook`) that kills it just before its N-th file-system call, for
  every N up to the number of calls a whole run makes, so each step of the final swap
  of a directory is hit, not only the likely ones;
- at random moments: real ``twingraph build``, ``site`` and ``export`` processes killed
  after a seeded random fraction of the time a whole run takes.

After each kill the target holds the old or the new output whole, and the next run
leaves no staging entry (``.NAME.*``) behind.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from twingraph.config import Settings
from twingraph.fileio import exchange, old_path, replacing_directory, write_atomic
from twingraph.pipeline import build
from twingraph.synth import write_synthetic

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("a.txt", "sub/b.txt")
WORKERS = 4  # children run side by side: each waits mostly for its interpreter to start

# A writer in a process of its own: argv is target, label, kill point (0: none), how, then NAMES.
# It prints the file-system calls it made, which the tests count to know every kill point.
CHILD = """
import importlib.util, os, signal, sys, tempfile
from pathlib import Path

# twingraph/__init__ imports the whole pipeline (half a second): load fileio and what it imports only
sys.modules["twingraph"] = importlib.util.module_from_spec(importlib.util.find_spec("twingraph"))
from twingraph import fileio

target, label, kill_at, how, names = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
seen = []

def kill_before_call(event, args):
    if event == "open" or event.startswith(("os.", "shutil.", "fcntl.", "ctypes.")):
        seen.append(event)
        if len(seen) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

def write(directory):
    for name in names:
        fileio.write_atomic(directory / name, f"{label} {name}".encode())

sys.addaudithook(kill_before_call)
if how == "directory":
    with fileio.replacing_directory(target) as staging:
        write(staging)
elif how == "two-step":  # replacing_directory where the system cannot exchange: its fallback swap
    with fileio.claiming(target.parent, target.name, always_sweep=True):
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        write(staging)
        fileio.replace_in_two_steps(staging, target)
elif how == "file":
    fileio.write_atomic(target, f"{label}\\n".encode() * 1000)
elif how == "hold":  # a live run that waits, in the middle of its block, for a line on its input
    with fileio.replacing_directory(target) as staging:
        write(staging)
        print(staging, flush=True)
        sys.stdin.readline()
print(" ".join(seen))
"""

Contents = dict[str, bytes] | None


def child(target: Path, label: str, how: str, kill_at: int = 0) -> subprocess.CompletedProcess[str]:
    """Runs the writer ``how`` of ``target`` in a process of its own, killed before its ``kill_at``-th call."""
    names = NAMES if how != "file" else ()
    command = [sys.executable, "-c", CHILD, str(target), label, str(kill_at), how, *names]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def expected(label: str, how: str) -> Contents:
    """What the writer ``how`` writes with this label, as :func:`contents` reads it."""
    if how == "file":
        return {"": f"{label}\n".encode() * 1000}
    return {name: f"{label} {name}".encode() for name in NAMES}


def contents(target: Path) -> Contents:
    """A directory's files by relative path, a file's bytes under ``""``, or None when nothing is there."""
    if target.is_file():
        return {"": target.read_bytes()}
    if not target.is_dir():
        return None
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}


def leftovers(target: Path) -> list[str]:
    """Whatever is left beside ``target`` under its writers' names (``.NAME.`` and more), the lock included."""
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}."))


def write_in_process(target: Path, label: str, how: str) -> None:
    """The writer ``how`` run here, to the end: ``label``'s contents at ``target``."""
    if how == "file":
        write_atomic(target, f"{label}\n".encode() * 1000)
        return
    with replacing_directory(target) as staging:
        for name in NAMES:
            write_atomic(staging / name, f"{label} {name}".encode())


def check_kill_point(root: Path, how: str, kill_at: int) -> bool:
    """Old output, a run killed before its ``kill_at``-th call, then the checks a user would make.

    Returns whether the kill left the target missing, for the next run to put back (two steps only).
    """
    target = root / ("out.bin" if how == "file" else "made")
    write_in_process(target, "old", how)
    done = child(target, "new", how, kill_at)
    assert done.returncode == -signal.SIGKILL, f"kill point {kill_at} was never reached: {done.stderr}"
    whole = (expected("old", how), expected("new", how))
    found = contents(target)
    restored = how == "two-step" and found is None
    if restored:  # killed between the two renames: the old one is aside, whole
        assert contents(old_path(target)) == whole[0], f"{how}, kill point {kill_at}: the old output is lost"
        with pytest.raises(RuntimeError), replacing_directory(target):
            raise RuntimeError("a run that fails still puts the old output back first")
        found = contents(target)
    assert found in whole, f"{how}, killed before call {kill_at}: {target} holds {found}"
    write_in_process(target, "next", how)
    assert contents(target) == expected("next", how)
    assert leftovers(target) == [], f"{how}, killed before call {kill_at}: the next run left them"
    return restored


def calls_of_a_whole_run(root: Path, how: str) -> list[str]:
    """The file-system calls a whole run of the writer makes over an old output: one kill point each."""
    target = root / ("out.bin" if how == "file" else "made")
    write_in_process(target, "old", how)
    done = child(target, "new", how)
    assert done.returncode == 0, done.stderr
    assert contents(target) == expected("new", how) and leftovers(target) == []
    return done.stdout.split()


# -- at every step --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("how", ["directory", "two-step", "file"])
def test_a_writer_killed_before_any_of_its_calls_leaves_the_old_or_the_new_output_whole(tmp_path: Path,
                                                                                         how: str) -> None:  # fmt: skip
    calls = calls_of_a_whole_run(tmp_path / "whole", how)
    if how == "directory":
        assert "shutil.rmtree" in calls, "the old directory was not swapped out"
    with ThreadPoolExecutor(WORKERS) as pool:
        runs = [pool.submit(check_kill_point, tmp_path / str(n), how, n) for n in range(1, len(calls) + 1)]
        restored = [run.result() for run in runs]
    # only a kill between the two renames of the fallback leaves the target missing, and only once
    assert sum(restored) == (1 if how == "two-step" else 0)


def test_two_directories_trade_places_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_in_process(first, "one", "directory")
    write_in_process(second, "two", "directory")
    if not exchange(first, second):
        pytest.skip("this system cannot exchange two paths (no renameat2 with RENAME_EXCHANGE)")
    assert (contents(first), contents(second)) == (expected("two", "directory"), expected("one", "directory"))


# -- what dead runs leave, and live runs ----------------------------------------------------------


@contextlib.contextmanager
def held(target: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A live run replacing ``target``, stopped in the middle of its block; yields it and its staging.

    A line on its standard input lets it finish; it is killed at the end if still running.
    """
    command = [sys.executable, "-c", CHILD, str(target), "live", "0", "hold", *NAMES]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as live:
        try:
            assert live.stdout is not None
            staging = Path(live.stdout.readline().strip())
            assert staging.parent == target.parent, "the live run did not start"
            yield live, staging
        finally:
            live.kill()


def test_what_dead_runs_left_is_removed_by_the_next_run_and_nothing_else(tmp_path: Path) -> None:
    directory, file = tmp_path / "made", tmp_path / "out.bin"
    write_in_process(directory, "old", "directory")
    write_in_process(file, "old", "file")
    with held(directory) as (live, staging):
        live.kill()  # killed in the middle of its block: its staging and its lock stay
        live.wait()
    killed_before_last_call = len(calls_of_a_whole_run(tmp_path / "whole", "file"))
    assert child(file, "new", "file", killed_before_last_call).returncode == -signal.SIGKILL
    # what writers before the lock left (no lock beside them), and names that are not the writers'
    for name in (".made.abcd_123", ".made.old"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_bytes(b"stray")
    others = [".made.old.keep", ".made.abcd_1234", ".madeup.abcd_123", "made.abcd_123", ".out.bin.lock.abcd_123.tmp",
              ".out.binx.abcd_123.tmp"]  # fmt: skip
    for name in [*others, ".out.bin.abcd_123.tmp"]:
        (tmp_path / name).write_bytes(b"other")
    assert {staging.name, ".made.lock", ".made.abcd_123", ".made.old"} <= set(leftovers(directory))
    assert {".out.bin.lock", ".out.bin.abcd_123.tmp"} < set(leftovers(file))
    write_in_process(directory, "next", "directory")
    write_in_process(file, "next", "file")
    assert contents(directory) == expected("next", "directory") and contents(file) == expected("next", "file")
    assert leftovers(directory) == [".made.abcd_1234", ".made.old.keep"]
    assert leftovers(file) == [".out.bin.lock.abcd_123.tmp"]
    assert set(others) <= {p.name for p in tmp_path.iterdir()}


@pytest.mark.parametrize("end", ["finishes", "is killed"])
def test_a_run_waits_for_a_live_run_of_the_same_target_and_leaves_its_staging_alone(tmp_path: Path,
                                                                                    end: str) -> None:  # fmt: skip
    target = tmp_path / "made"
    write_in_process(target, "old", "directory")
    with held(target) as (live, staging):
        command = [sys.executable, "-c", CHILD, str(target), "next", "0", "directory", *NAMES]
        with subprocess.Popen(command, stdout=subprocess.DEVNULL) as waiting:
            time.sleep(1)
            assert waiting.poll() is None, "the second run did not wait for the live one"
            assert contents(staging) == expected("live", "directory"), "the second run touched the live staging"
            assert contents(target) == expected("old", "directory")
            if end == "finishes":
                live.communicate("go\n", timeout=30)
                assert live.returncode == 0
            else:
                live.kill()
            assert waiting.wait(timeout=30) == 0
    assert contents(target) == expected("next", "directory")
    assert leftovers(target) == []


def test_writers_of_other_names_in_the_same_directory_do_not_wait_for_each_other(tmp_path: Path) -> None:
    def nested() -> None:
        with replacing_directory(tmp_path / "records") as records, replacing_directory(tmp_path / "sources"):
            write_atomic(records / "a.yaml", b"a")
            write_atomic(tmp_path / "records.txt", b"b")

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "a writer waited for a lock it held itself"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "records.txt", "sources"]


# -- real commands killed at random moments --------------------------------------------------------

BASES = {"a": "https://a.example/", "b": "https://b.example/"}
KILLS = {"build": 20, "export": 20, "site": 12}  # a site takes twice as long as a build


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real dataset, built for each of the two base IRIs: a home city with three events, no partners."""
    data = tmp_path_factory.mktemp("small")
    write_synthetic(data, 0)
    (home,) = (data / "records").glob("*.yaml")
    record = yaml.safe_load(home.read_text(encoding="utf-8"))
    record["events"] = record["events"][:3]  # a site of 500 files rather than 1800
    home.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for letter, base in BASES.items():
        build(Settings(root=ROOT, data=data, dist=data / f"dist-{letter}", base_iri=base))
    return data


def command_line(command: str, data: Path, letter: str, target: Path) -> list[str]:
    """``twingraph`` running ``command`` into ``target`` with the base IRI ``BASES[letter]``."""
    dist = target if command == "build" else data / f"dist-{letter}"
    options = ["--base-iri", BASES[letter], "--data", str(data), "--dist", str(dist)]
    arguments = {"build": ["build"], "site": ["site", "-o", str(target)],
                 "export": ["export", "--format", "ntriples", "-o", str(target)]}  # fmt: skip
    return [sys.executable, "-m", "twingraph", *options, *arguments[command]]


def run_whole(command: list[str]) -> float:
    """Runs a command to its end; how long it took."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def run_killed(command: list[str], after: float) -> None:
    """Starts a command and kills it (``SIGKILL``) ``after`` seconds, unless it ended first."""
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        time.sleep(after)
        process.kill()


@pytest.mark.slow
@pytest.mark.parametrize(("command", "output"), [("build", "dist"), ("site", "public"), ("export", "kazan.nt")])
def test_a_command_killed_at_random_moments_leaves_the_old_or_new_output(small_data: Path, tmp_path: Path, command: str,
                                                                         output: str) -> None:  # fmt: skip
    target = tmp_path / output
    lines = [command_line(command, small_data, letter, target) for letter in BASES]
    took, whole = [], []
    for line in lines:
        took.append(run_whole(line))
        whole.append(contents(target))
    assert whole[0] != whole[1], "the two runs write the same output: a kill could not be told"
    rng = random.Random(f"kill {command}")
    for kill in range(KILLS[command]):
        after = rng.random() * took[kill % 2]
        run_killed(lines[kill % 2], after)
        assert contents(target) in whole, f"{command} killed after {after:.2f} s left {target} incomplete"
    run_whole(lines[0])
    assert contents(target) == whole[0]
    assert leftovers(target) == [], f"{command} left these after runs killed before it"
