"""The one clock: every "now" the code needs comes from a Clock passed in, never from a global read.

Commands take :func:`system_clock`; tests pass a fixed clock or travel in time.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping

from twingraph.errors import TwingraphError

Clock = Callable[[], datetime.datetime]


def system_clock() -> datetime.datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.datetime.now(datetime.UTC)


def fixed_clock(moment: datetime.datetime) -> Clock:
    """A clock that always says ``moment``, for reproducible runs.

    >>> fixed_clock(datetime.datetime(2027, 1, 2, tzinfo=datetime.UTC))().date().isoformat()
    '2027-01-02'
    """
    return lambda: moment


def today(clock: Clock) -> datetime.date:
    """The clock's date, in UTC, so a run's date does not depend on the machine's time zone.

    >>> evening = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))
    >>> today(fixed_clock(evening))
    datetime.date(2027, 1, 1)
    """
    return clock().astimezone(datetime.UTC).date()


def clock_from_environment(environ: Mapping[str, str] = os.environ) -> Clock:
    """The system clock, or the fixed moment SOURCE_DATE_EPOCH names (the reproducible-builds convention).

    >>> today(clock_from_environment({"SOURCE_DATE_EPOCH": "1796342400"}))
    datetime.date(2026, 12, 4)

    Raises:
        TwingraphError: SOURCE_DATE_EPOCH is set but is not a whole number of seconds.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return system_clock
    if not epoch.strip().isdigit():
        message = f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970-01-01; unset it or fix it"
        raise TwingraphError(message)
    return fixed_clock(datetime.datetime.fromtimestamp(int(epoch), datetime.UTC))
