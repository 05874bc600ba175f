"""HISTORY, RELEASES and FIRST_RELEASE: a stored series as a table that spills, header first, then one row per date,
oldest first; with `as_of`, each value as it was known that day.

A series whose vendor revises it (unemployment, claims…) may carry its vintages: every published value with the day
it became known. As of a day D, the value of date d is then the latest vintage of d known by D ("vintage" rule);
where no vintage of d was known by D (a store whose vintages start later than d's release), the earliest stored
vintage of d (else today's value) counts once d + the publication delay ≤ D ("publication delay" rule), as it does for
every series without vintages. Each as-of row says which rule gave it.

The tables are built here from arrays; where the rows come from (the local or the desk's store) is the caller's
business, handed in as a `Provider`, so this module knows nothing of stores, vendors or Excel.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from udfs.declare import Param, cell
from udfs.errors import CellError, Spill
from udfs.inputs import date_to_serial, serial_to_date, to_serials


@dataclass(frozen=True)
class Vintages:
    """Every stored vintage of a series, sorted by date then by the day it became known: the Excel serial of the
    observation's date, of the day the value became known (FRED's realtime_start), and the value (NaN = missing)."""

    serials: np.ndarray
    known: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Stored:
    """One series as a store holds it: Excel serials of its dates, its values (NaN = an explicit missing value),
    how many days after its date an observation is published (0 for market closes), and its vintages, if kept."""

    serials: np.ndarray
    values: np.ndarray
    published_days: int  # the catalogue's name (workbook.catalogue.Source.published_days); no default
    vintages: Vintages | None = None


def _first_of_each(serials: np.ndarray) -> np.ndarray:
    return np.r_[True, serials[1:] != serials[:-1]] if len(serials) else np.zeros(0, dtype=bool)


def as_known(stored: Stored, as_of: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The rows known on `as_of`: serials, values and, per row, the rule that gave it (see the module's docstring)."""
    lag = stored.published_days
    delay_rule = f"publication delay ({lag} days)"
    vintages = stored.vintages
    if vintages is None or not len(vintages.serials):
        keep = stored.serials + lag <= as_of
        return stored.serials[keep], stored.values[keep], [delay_rule] * int(keep.sum())
    # Vintage rule: the last vintage of each date among those known by as_of (sorted by date, then known).
    known = np.flatnonzero(vintages.known <= as_of)
    latest = known[np.r_[vintages.serials[known][1:] != vintages.serials[known][:-1], True]] if len(known) else known
    by_vintage = {float(vintages.serials[i]): i for i in latest}
    # Delay rule for the other dates: the earliest stored vintage of the date, else today's value.
    earliest = {
        float(s): float(v)
        for s, v in zip(
            vintages.serials[_first_of_each(vintages.serials)],
            vintages.values[_first_of_each(vintages.serials)],
            strict=True,
        )
    }
    today = dict(zip(stored.serials.tolist(), stored.values.tolist(), strict=True))
    serials, values, rules = [], [], []
    for day in sorted(set(today) | set(earliest)):
        if day in by_vintage:
            index = by_vintage[day]
            serials.append(day)
            values.append(float(vintages.values[index]))
            rules.append(f"vintage of {_iso(float(vintages.known[index]))}")
        elif day + lag <= as_of:
            serials.append(day)
            values.append(earliest.get(day, today.get(day)))
            rules.append(delay_rule)
    return np.array(serials, dtype=float), np.array(values, dtype=float), rules


def _iso(serial: float) -> str:
    return serial_to_date(serial).isoformat()


def _blanks(values: np.ndarray) -> list[Any]:
    """Values for a spilled column: NaN as empty text (Excel shows an Empty in a spilled array as 0)."""
    column = values.astype(object)
    column[np.isnan(values)] = ""
    return column.tolist()


MAX_ID_LENGTH = 255  # series ids are short names; a longer text is a reference to the wrong cell
Provider = Callable[[str], Stored]  # series id -> its rows; raises CellError naming what is wrong


def history_table(series: str, stored: Stored, start: float | None, end: float | None, as_of: float | None) -> Spill:
    """Rows of HISTORY: ``["Date", series]``, then ``[serial, value]`` for every stored date d with
    start ≤ d ≤ end. With `as_of`, the values known that day (`as_known`) and a third column, ``Rule``, saying per row
    which rule gave it. A missing value is a row with empty text as its value, at its date (Excel shows an Empty
    spilled value as 0)."""
    if as_of is None:
        serials, values, rules = stored.serials, stored.values, None
    else:
        serials, values, found = as_known(stored, as_of)
        rules = np.array(found, dtype=object)
    keep = np.ones(len(serials), dtype=bool)
    if start is not None:
        keep &= serials >= start
    if end is not None:
        keep &= serials <= end
    serials, values = serials[keep], values[keep]
    if not len(serials):
        raise CellError(f'"{series}" has no rows between the dates asked for')
    # Built column-wise in C, then zipped: a per-row Python object costs ~10x more on 25,000 rows.
    if rules is None:
        return Spill([["Date", series], *map(list, zip(serials.tolist(), _blanks(values), strict=True))])
    columns = (serials.tolist(), _blanks(values), rules[keep].tolist())
    return Spill([["Date", series, "Rule"], *map(list, zip(*columns, strict=True))])


def releases_table(series: str, stored: Stored, day: float) -> Spill:
    """Rows of RELEASES: ``["Known from", series]``, then one row per stored vintage of the observation dated `day`,
    oldest first: the day it became known and the value published then."""
    vintages = _vintages_of(series, stored)
    mine = vintages.serials == day
    if not mine.any():
        raise CellError(
            f'"{series}" has no stored vintage dated {_iso(day)} (dates are the observation\'s own: the 1st of '
            "the month for a monthly series)"
        )
    columns = (vintages.known[mine].tolist(), _blanks(vintages.values[mine]))
    return Spill([["Known from", series], *map(list, zip(*columns, strict=True))])


def first_release_table(series: str, stored: Stored, start: float | None, end: float | None) -> Spill:
    """Rows of FIRST_RELEASE: ``["Date", series]``, then, per date with a stored vintage from start to end, the
    value of its earliest stored vintage."""
    vintages = _vintages_of(series, stored)
    first = _first_of_each(vintages.serials)
    serials, values = vintages.serials[first], vintages.values[first]
    keep = np.ones(len(serials), dtype=bool)
    if start is not None:
        keep &= serials >= start
    if end is not None:
        keep &= serials <= end
    if not keep.any():
        raise CellError(f'"{series}" has no stored vintages between the dates asked for')
    return Spill([["Date", series], *map(list, zip(serials[keep].tolist(), _blanks(values[keep]), strict=True))])


def _vintages_of(series: str, stored: Stored) -> Vintages:
    if stored.vintages is None or not len(stored.vintages.serials):
        raise CellError(
            f'"{series}" has no stored vintages: only series their vendor revises keep them, filled by a refresh '
            "with a FRED API key (or `lazarus store load-sample`)"
        )
    return stored.vintages


def _day(value: Any, name: str) -> float:
    """A date argument (a date cell, an Excel serial or ISO text such as "2024-07-16") as a serial."""
    if isinstance(value, str):
        try:
            return date_to_serial(dt.date.fromisoformat(value.strip()))
        except ValueError:
            raise CellError(f'{name} must be a date, got text "{value}"') from None
    serial = to_serials([value], name)[0]
    if math.isnan(serial):
        raise CellError(f"{name} must be a date, got {value!r}")
    return float(serial)


def _series_id(value: Any, name: str) -> str:
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        raise CellError(f'{name} must be a series id such as "IWM", got {value!r:.80}')
    if len(value.strip()) > MAX_ID_LENGTH:
        raise CellError(f'{name} must be a series id such as "IWM", not {len(value.strip()):,} characters of text')
    return value.strip()


class HistoryTables:
    """HISTORY's tables over one provider. The last `tables_kept` tables are kept, keyed by their arguments and the
    provider's series object: a provider that returns the same `Stored` until the store changes makes a repeated
    call cost one dictionary lookup."""

    def __init__(self, provider: Provider, tables_kept: int = 64):
        self.provider = provider
        self.tables_kept = tables_kept
        # key -> (the series object, its table): holding the object keeps its id from being reused while it lives.
        self.tables: dict[tuple[Any, ...], tuple[Stored, Spill]] = {}

    def table(self, name: str, start: float | None, end: float | None, as_of: float | None) -> Spill:
        stored = self.provider(name)
        key = (name, start, end, as_of, id(stored))
        if key not in self.tables:
            if len(self.tables) >= self.tables_kept:
                self.tables.clear()
            self.tables[key] = (stored, history_table(name, stored, start, end, as_of))
        return self.tables[key][1]


# start_date/end_date as Excel's STOCKHISTORY names them; "end" alone is a VBA keyword, and the add-in's VBA wrappers
# take the Python argument names.
@cell("Any series, any workbook", spills=True, context=("tables",))
def HISTORY(
    series: Annotated[str, Param('A series id from the store, e.g. "IWM", "T10Y2Y" or "UNRATE".', _series_id)],
    start_date: Annotated[
        float | None, Param("First date to show (a date cell, a serial or text 2024-01-31). Optional.", _day)
    ] = None,
    end_date: Annotated[float | None, Param("Last date to show. Optional: the newest stored date.", _day)] = None,
    as_of: Annotated[
        float | None,
        Param(
            "Show the values as known on this date: stored vintages where the series has them, else only what its "
            "publication delay says was out; a third column names the rule. Optional.",
            _day,
        ),
    ] = None,
    *,
    tables: HistoryTables,
) -> Spill:
    """History of a stored series: a header row, then one row of date and value per observation, oldest first.
    Reads the store only (press Refresh data to update it)."""
    return tables.table(series, start_date, end_date, as_of)


@cell("Any series, any workbook", spills=True, context=("tables",))
def RELEASES(
    series: Annotated[str, Param('A revised series id from the store, e.g. "UNRATE".', _series_id)],
    # Not "date": a VBA built-in, and the add-in's VBA wrappers take the Python argument names.
    observation_date: Annotated[float, Param("The observation's date, e.g. 2024-07-01 for July 2024's figure.", _day)],
    *,
    tables: HistoryTables,
) -> Spill:
    """Every stored release of one observation: a header row, then the day each value became known and the value,
    oldest first (July 2024 unemployment: 4.3 from its first release, 4.2 after the January 2025 revision)."""
    return releases_table(series, tables.provider(series), observation_date)


@cell("Any series, any workbook", spills=True, context=("tables",))
def FIRST_RELEASE(
    series: Annotated[str, Param('A revised series id from the store, e.g. "UNRATE".', _series_id)],
    start_date: Annotated[float | None, Param("First date to show. Optional.", _day)] = None,
    end_date: Annotated[float | None, Param("Last date to show. Optional.", _day)] = None,
    *,
    tables: HistoryTables,
) -> Spill:
    """A series as first published: a header row, then per date its earliest stored vintage, oldest first, to chart
    against HISTORY's revised values."""
    return first_release_table(series, tables.provider(series), start_date, end_date)


def history_function(provider: Provider, tables_kept: int = 64) -> Callable[..., Any]:
    """The HISTORY cell function reading its rows from `provider`."""
    return HISTORY.declaration.bound(tables=HistoryTables(provider, tables_kept))


def vintage_functions(provider: Provider) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """RELEASES and FIRST_RELEASE reading their rows from `provider`."""
    tables = HistoryTables(provider)
    return RELEASES.declaration.bound(tables=tables), FIRST_RELEASE.declaration.bound(tables=tables)
