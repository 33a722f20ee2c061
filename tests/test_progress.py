"""Progress on a terminal and in a log: bars with counts and the time left, never a flood, never a broken line."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.progress import LOG_AFTER, Count, TerminalProgress, counted


class Ticks:
    """A clock that moves on by ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_in_a_log_a_long_step_is_a_line_each_quarter_and_a_quick_one_a_line_at_its_end() -> None:
    written: list[str] = []
    shown = TerminalProgress(written.append, terminal=False, clock=Ticks(0.5))
    shown("reading records")
    for _ in counted(range(100), "mapping records files", shown, 100):
        pass
    shown("validating")
    lines = "".join(written).splitlines()
    assert lines[0] == "… reading records" and lines[-1] == "… validating"
    counts = [re.search(r"(\d+)/100", line).group(1) for line in lines[1:-1]]  # type: ignore[union-attr]
    assert counts == ["25", "50", "75", "100"]
    assert lines[-2].endswith("100/100 100%  in 50 s") and lines[1].endswith("25/100  25%  about 38 s left")
    assert not any("\r" in text for text in written)
    written.clear()
    quick = TerminalProgress(written.append, terminal=False, clock=Ticks(0.01))
    for _ in counted(range(100), "SHACL checks", quick):
        pass
    assert written == ["… SHACL checks: 100/100 100%  in 1.0 s\n"]


def test_on_a_terminal_a_bar_is_redrawn_in_place_at_most_every_tenth_of_a_second() -> None:
    written: list[str] = []
    shown = TerminalProgress(written.append, terminal=True, clock=Ticks(0.01))
    for _ in counted(range(1000), "writing resources", shown):
        pass
    assert 90 <= len(written) <= 110, "a redraw per 0.1 s of 10 s of work, not one per item"
    assert all(text.startswith("\r\x1b[2K… writing resources [") for text in written)
    assert written[-1].endswith("1,000/1,000 100%  in 10 s\n") and "[########################]" in written[-1]
    assert all(not text.endswith("\n") for text in written[:-1]), "the line ends only when the step does"


def test_a_message_during_a_bar_starts_on_a_line_of_its_own() -> None:
    written: list[str] = []
    shown = TerminalProgress(written.append, terminal=True, clock=Ticks(1.0))
    shown(Count("looking up names (batches)", 1, 3))
    shown("the endpoint answered 429; waiting 2 s")
    shown(Count("looking up names (batches)", 2, 3))
    assert written[1:3] == ["\n", "… the endpoint answered 429; waiting 2 s\n"]
    assert written[3].startswith("\r\x1b[2K… looking up names (batches) [") and "2/3" in written[3]


def test_a_build_in_a_log_counts_the_records_files_and_the_shacl_checks(settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data", str(settings.data_dir), "--dist", str(tmp_path / "dist"), "build"])
    assert result.exit_code == 0, result.output
    files = len(list(settings.records_dir.glob("*.yaml")))
    counted = re.search(r"… mapping records files(?: \(share 2 of 2\))?: (\d+)/\1 100%  in [\d.]+ s", result.stderr)
    assert counted, result.stderr
    # mapped in two processes, this one's bar counts its share: every other file from the second
    assert int(counted[1]) == (files // 2 if "(share 2 of 2)" in counted[0] else files)
    assert re.search(r"… SHACL checks: (\d+)/\1 100%  in", result.stderr)
    assert "\r" not in result.stderr


def test_on_a_real_terminal_synth_draws_one_bar_that_ends_complete(tmp_path: Path) -> None:
    """``twingraph synth`` in a pseudo-terminal: its standard error is a terminal, so the bar is redrawn in place."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "twingraph", "synth", "--cities", "40", "-o", str(tmp_path / "s")],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower, timeout=300,
                              check=False)  # fmt: skip
        os.close(follower)
        follower = -1
        output = read_all(leader)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0, output
    assert "\r\x1b[2K… writing records files [" in output
    assert re.search(r"41/41 100%  in [\d.]+ s\r?\n", output), output


def read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed (EIO on Linux)
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_readme_says_when_a_log_gets_the_quarters() -> None:
    text = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert f"a line per quarter when it takes longer than {LOG_AFTER:g} s" in text
