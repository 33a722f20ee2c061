"""Progress of long work: messages, and counted steps that a terminal shows as a bar with counts and an ETA.

The library reports, the command line draws. A long step reports ``Count(what, done,
total)`` as it goes (``counted`` does it for a sequence); anything else is a one-line
message. ``TerminalProgress`` draws both on standard error: on a terminal a counted
step is one line redrawn in place at most every ``redraw`` seconds; in a log (not a
terminal) it is a line at the start, at each quarter and at the end, never a flood.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import TypeVar

T = TypeVar("T")
BAR_WIDTH = 24
QUARTERS = 4  # lines a counted step writes to a log at most: one per quarter done
LOG_AFTER = 2.0  # seconds a step runs before a log gets its quarters (a quick step: its last line only)


@dataclasses.dataclass(frozen=True)
class Count:
    """``done`` of ``total`` items of a long step, such as the records files being mapped."""

    what: str
    done: int
    total: int


Report = str | Count
Progress = Callable[[Report], None]


def ignore(_: Report) -> None:
    """A progress that shows nothing."""


def counted(items: Iterable[T], what: str, progress: Progress, total: int | None = None) -> Iterator[T]:
    """The items, one by one, with a ``Count`` reported before the first and after each.

    Args:
        total: how many items there are, for items that do not say (a generator); else their ``len``.

    >>> seen = []
    >>> [x * 2 for x in counted([1, 2], "numbers", seen.append)], [c.done for c in seen]
    ([2, 4], [0, 1, 2])
    """
    size = len(items) if total is None and isinstance(items, Sized) else total or 0
    progress(Count(what, 0, size))
    for done, item in enumerate(items, 1):
        yield item
        progress(Count(what, done, size))


def seconds_left(done: int, total: int, elapsed: float) -> float | None:
    """How long the rest takes at the pace so far; None before anything is done.

    >>> seconds_left(25, 100, 10.0), seconds_left(0, 100, 3.0), seconds_left(100, 100, 40.0)
    (30.0, None, 0.0)
    """
    if done <= 0 or elapsed <= 0:
        return None
    return elapsed / done * (total - done)


def duration(seconds: float) -> str:
    """A short human duration.

    >>> duration(0.4), duration(9.99), duration(12.3), duration(75), duration(3725)
    ('0.4 s', '10 s', '12 s', '1 min 15 s', '1 h 2 min')
    """
    if round(seconds, 1) < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def count_line(count: Count, elapsed: float, bar: bool = True) -> str:
    """One line for a counted step: the bar (on a terminal), the counts, the share and the time left or taken.

    >>> count_line(Count("mapping records files", 39, 156), 10.0)
    '… mapping records files [######------------------] 39/156  25%  about 30 s left'
    >>> count_line(Count("mapping records files", 156, 156), 40.0, bar=False)
    '… mapping records files: 156/156 100%  in 40 s'
    """
    share = count.done / count.total if count.total else 1.0
    head = f"… {count.what} [{'#' * round(share * BAR_WIDTH):-<{BAR_WIDTH}}]" if bar else f"… {count.what}:"
    line = f"{head} {count.done:,}/{count.total:,} {share:>4.0%}"
    if count.done >= count.total:
        return f"{line}  in {duration(elapsed)}"
    left = seconds_left(count.done, count.total, elapsed)
    return line if left is None or left < 1 else f"{line}  about {duration(left)} left"


class TerminalProgress:
    """Draws a run's progress on a stream: messages as lines, counted steps as a bar (terminal) or a few lines (log).

    Args:
        write: writes text to the stream as it is (no newline added) and flushes it.
        terminal: whether the stream is a terminal, where a line can be redrawn in place.
        clock: seconds, monotonic (for the pace and the redraws).
        redraw: at most one redraw of a bar per this many seconds (the last count is always drawn).
    """

    def __init__(self, write: Callable[[str], None], terminal: bool,
                 clock: Callable[[], float] = time.monotonic, redraw: float = 0.1) -> None:  # fmt: skip
        self.write, self.terminal, self.clock, self.redraw = write, terminal, clock, redraw
        self.started: dict[str, float] = {}
        self.drawn_at = float("-inf")
        self.open_line = False  # a bar is drawn and its line not yet ended
        self.quarter: dict[str, int] = {}

    def __call__(self, report: Report) -> None:
        if isinstance(report, Count):
            self.count(report)
        else:
            self.end_line()
            self.write(f"… {report}\n")

    def count(self, count: Count) -> None:
        now = self.clock()
        started = self.started.setdefault(count.what, now) if count.done else self.restart(count.what, now)
        finished = count.done >= count.total
        if self.terminal:
            if finished or now - self.drawn_at >= self.redraw:
                self.write(f"\r\x1b[2K{count_line(count, now - started)}" + ("\n" if finished else ""))
                self.drawn_at, self.open_line = now, not finished
            return
        quarter = QUARTERS * count.done // count.total if count.total else QUARTERS
        if finished or (quarter > self.quarter.get(count.what, 0) and now - started >= LOG_AFTER):
            self.quarter[count.what] = quarter
            self.write(count_line(count, now - started, bar=False) + "\n")

    def restart(self, what: str, now: float) -> float:
        self.started[what], self.quarter[what] = now, 0
        return now

    def end_line(self) -> None:
        if self.open_line:
            self.write("\n")
            self.open_line = False
