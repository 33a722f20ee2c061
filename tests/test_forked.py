"""Mapping on two cores: a forked child maps every other records file, and the dump is the one process's.

The build forks only from a process without other threads, so the whole command runs
here in a process of its own, as a user runs it.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from twingraph.config import DUMP, Settings
from twingraph.errors import TwingraphError
from twingraph.export import ntriples
from twingraph.forked import forked
from twingraph.pipeline import dataset_triples, load_records
from twingraph.synth import write_synthetic

TWO_PROCESSES = "mapping the records in two processes"


def dump_in_one_process(settings: Settings) -> bytes:
    return ntriples(dataset_triples(load_records(settings), settings))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the build maps in one process on one core")
@pytest.mark.parametrize("cities", [1, 7])
def test_the_dump_mapped_in_two_processes_is_the_one_process_dump(tmp_path: Path, settings: Settings,
                                                                   cities: int) -> None:  # fmt: skip
    """Every share's triples arrive, and no more: the bytes of mapping in this process alone.

    With one partner city the child maps the home city's file alone, and nothing of the
    dataset as a whole (its meetings, its sources) is lost to the share that does not carry it.
    """
    data, dist = tmp_path / "data", tmp_path / "dist"
    write_synthetic(data, cities)
    command = [sys.executable, "-m", "twingraph", "--data", str(data), "--dist", str(dist), "build"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert TWO_PROCESSES in done.stderr
    here = dataclasses.replace(settings, data=data, dist=dist)
    assert (dist / DUMP).read_bytes() == dump_in_one_process(here)


def test_the_childs_answer_comes_back_whole() -> None:
    """Tens of megabytes, as a share of a large graph is, through the pipe."""
    with forked(lambda: os.urandom(1024) * 40_000, "sending bytes") as answer:
        data = answer()
    assert len(data) == 40_960_000 and data[:1024] * 40_000 == data


def test_what_the_child_raised_is_the_parents_error() -> None:
    def fails() -> bytes:
        raise ValueError("records file x.yaml: no such city")

    with pytest.raises(TwingraphError, match=r"the process mapping failed: ValueError: records file x\.yaml"):
        with forked(fails, "mapping") as answer:
            answer()


def test_a_child_that_dies_without_a_word_is_an_error_with_its_exit_status() -> None:
    with pytest.raises(TwingraphError, match=r"ended without an answer \(exit status -9\).*more"):
        with forked(lambda: os.kill(os.getpid(), signal.SIGKILL) or b"", "mapping") as answer:
            answer()


def test_a_parent_that_fails_leaves_no_child_behind() -> None:
    """The block's error kills the child still at work: no process maps on for nobody."""
    before = children()
    started: set[int] = set()

    def endless() -> bytes:
        time.sleep(600)
        return b""

    with pytest.raises(RuntimeError), forked(endless, "waiting") as _:
        started |= children() - before  # the session's servers are children of this process too
        raise RuntimeError("the parent's share failed")
    assert len(started) == 1, "the child was running inside the block"
    assert not started & children()


def children() -> set[int]:
    """This process's live children."""
    return {int(p) for p in os.listdir("/proc") if p.isdigit() and is_child(int(p))}


def is_child(pid: int) -> bool:
    """Whether a process is a live child of this one (not a zombie left to reap)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return int(fields[1]) == os.getpid() and fields[0] != "Z"


def test_a_child_dies_with_its_killed_parent() -> None:
    """kill -9 of a build mid-mapping: its forked child stops too, instead of mapping on for nobody."""
    code = ("import os, sys, time\nfrom twingraph.forked import forked\n"
            "def endless():\n    print(os.getpid(), flush=True)\n    time.sleep(600)\n    return b''\n"
            "with forked(endless, 'waiting') as answer:\n    answer()\n")  # fmt: skip
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.kill()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and "Z" not in state(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists() or "Z" in state(child)


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
