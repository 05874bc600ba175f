"""Whether a vendor's answer is plausible for its series, before anything is stored.

A vendor can be wrong in ways no parser sees: a row dated 9999-12-31 (every later refresh then asks from 9999 and the
as-of of a price series jumps to it), a row dated 0001, a close of 1e308 or 5e-324, a monthly series served daily (the
Sahm rule would read days as months). These checks hold an answer against what its series is: its dates between a
plausible start and today (plus the vendor's time-zone slack), a price above zero and within a sane jump of its
neighbours and of the stored level, and the series' usual spacing. Rows outside the dates are dropped (and a store
that already holds such rows is healed by the refresh); any other failed check refuses the whole answer, so the stored
data is kept and the status says why.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from workbook.catalogue import Source

__all__ = ["PLAUSIBLE_START", "date_bounds", "implausible", "within_dates"]

# No series Lazarus keeps starts earlier (the S&P 500 from 1927, FRED's rates and labour series from the 1940s).
PLAUSIBLE_START = dt.date(1900, 1, 1)
# A vendor stamps a day in its own time zone, up to a day ahead of the user's.
TIME_ZONE_SLACK = dt.timedelta(days=1)
# One step of a price may fall to 1/20 or rise 20-fold (a 10-for-1 split in raw closes is 1/10); beyond that the
# number is not a price of the same thing (1e308, 5e-324, another symbol).
MAX_PRICE_JUMP = 20.0
# The fewest days between two observations of a series of each frequency (a missed day or a holiday shortens none).
MIN_SPACING_DAYS = {"monthly": 20, "weekly": 5}

Row = tuple[dt.date, float | None]


def date_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last dates an observation may carry, refreshed on `today`."""
    return PLAUSIBLE_START, today + TIME_ZONE_SLACK


def within_dates(rows: Sequence[Row], today: dt.date) -> tuple[list[Row], str]:
    """The rows dated between the plausible start and today (plus slack), and what was dropped, in words ("" when
    nothing was)."""
    first, last = date_bounds(today)
    kept = [row for row in rows if first <= row[0] <= last]
    dropped = [row[0] for row in rows if not first <= row[0] <= last]
    if not dropped:
        return kept, ""
    shown = ", ".join(day.isoformat() for day in dropped[:3]) + (" …" if len(dropped) > 3 else "")
    return kept, f"{len(dropped)} row(s) dated outside {first.isoformat()}..{last.isoformat()} dropped ({shown})"


def is_price(source: Source) -> bool:
    return source.sheet == "Prices"


def implausible(source: Source, rows: Sequence[Row], earlier: Sequence[Row] = ()) -> str:
    """Why `rows` (oldest first) cannot be `source`'s observations, or "". `earlier` holds the stored rows just
    before the first of them: the stored level a price must stay near and the spacing a series keeps."""
    known = [(day, value) for day, value in (*earlier, *rows) if value is not None]
    if is_price(source):
        for day, value in rows:
            if value is not None and not value > 0:
                return f"a price of {value:g} on {day.isoformat()} is not above zero"
        for (_, before), (day, value) in itertools.pairwise(known):
            if before > 0 and value > 0 and not 1 / MAX_PRICE_JUMP <= value / before <= MAX_PRICE_JUMP:
                return (
                    f"the price jumps from {before:g} to {value:g} on {day.isoformat()}, more than "
                    f"{MAX_PRICE_JUMP:g}-fold: not a price of the same series"
                )
    spacing = MIN_SPACING_DAYS.get(source.frequency)
    if spacing:
        dates = [day for day, _ in (*earlier[-1:], *rows)]
        for before, day in itertools.pairwise(dates):
            if (day - before).days < spacing:
                return (
                    f"observations {before.isoformat()} and {day.isoformat()} are {(day - before).days} day(s) apart, "
                    f"but {source.id} is a {source.frequency} series"
                )
    return ""
