"""The one definition of "now".

A build is stamped and judged as of a date that comes from the data, never from the
build machine's clock, so the same input gives the same site: SOURCE_DATE_EPOCH when
the caller passes it, else the latest date the data vouches for. Only validation asks
what today is (a source "accessed" in the future is a mistake), and only through
``today``. Pure: callers read the environment and pass the value in.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from builder.model import DataRoot

FALLBACK = date(1980, 1, 1)  # the earliest date a zip entry can carry


class BadEpoch(ValueError):
    """SOURCE_DATE_EPOCH is set but is not a whole number of seconds in range."""


def parse_epoch(value: str | None) -> date | None:
    """The UTC date of a SOURCE_DATE_EPOCH value; None when unset; BadEpoch when not usable."""
    if value is None or value == "":
        return None
    text = value.strip()
    if not text.isdigit():
        raise BadEpoch(value)
    try:
        return datetime.fromtimestamp(int(text), tz=timezone.utc).date()
    except (OverflowError, OSError, ValueError):
        raise BadEpoch(value) from None


def as_of(data: DataRoot, source_date_epoch: str | None = None) -> date:
    """The date the site is stamped with and progress is judged as of.

    SOURCE_DATE_EPOCH if given; else the latest date the data vouches for (a source's access
    date, else a plan's issue date); else 1 January of the latest year a value or base is for;
    else 1980-01-01.
    """
    given = parse_epoch(source_date_epoch)
    if given is not None:
        return given
    known = data.latest_known_date()
    if known is not None:
        return known
    years = [o.year for o in data.observations] + [t.baseline_year for t in data.targets() if t.baseline_year]
    return date(max(years), 1, 1) if years else FALLBACK


def epoch_seconds(day: date) -> int:
    """Seconds since 1970 at midnight UTC of a date (for SOURCE_DATE_EPOCH, zips and the sitemap)."""
    return int(datetime.combine(day, datetime.min.time(), timezone.utc).timestamp())


def stamp(data: DataRoot, source_date_epoch: str | None = None) -> int:
    """The build's timestamp in seconds: SOURCE_DATE_EPOCH itself when given, else midnight UTC of ``as_of``."""
    if parse_epoch(source_date_epoch) is not None:
        return int(source_date_epoch.strip())
    return epoch_seconds(as_of(data))
