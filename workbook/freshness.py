"""How old the data behind an answer is: the date of its newest observation by the as-of day, and the STALE rule
(udfs/SPEC.md "Data dates, STALE and thin samples"). The Dashboard and the Claims sheet take both from here.

An answer is STALE when its newest observation is older, on the as-of day, than its series can explain: more than
twice its publication interval plus its publication delay (the delay its data table's replay applies).
"""

from __future__ import annotations

from workbook.catalogue import Source
from workbook.data_sheets import DATA_TABLES, DataTable
from workbook.names import AS_OF

# The longest ordinary gap between two observations, in calendar days: a daily market series can skip a long weekend
# (Thursday to Monday), a weekly one a week, a monthly one the longest month.
INTERVAL_DAYS = {"daily": 4, "weekly": 7, "monthly": 31}


def _placed(name: str) -> tuple[Source, DataTable]:
    for table in DATA_TABLES:
        for source in table.columns:
            if source.defined_name == name:
                return source, table
    raise KeyError(f"no data column is named {name!r}")


def stale_after_days(name: str) -> int:
    """Calendar days after its newest observation when an answer on the series named `name` is STALE."""
    source, table = _placed(name)
    return 2 * INTERVAL_DAYS[source.frequency] + table.published_days


def data_to(name: str) -> str:
    """A formula (no "=") for the date of the newest observation of `name` by the as-of day (0 when there is none).
    The criterion matches any number, so a spread at or below zero counts and a holiday's blank does not (the
    headless engine reads "<>" as matching nothing)."""
    _, table = _placed(name)
    return f'MAXIFS({table.dates_name},{name},">-9E+307")'


def stale(names: tuple[str, ...]) -> str:
    """A formula (no "=") that is TRUE when any of `names` is STALE on the as-of day."""
    tests = [f"{AS_OF}-{data_to(name)}>{stale_after_days(name)}" for name in names]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def oldest_data_to(names: tuple[str, ...]) -> str:
    """A formula (no "=") for the oldest of the newest dates of `names`: the day the answer's data reach."""
    dates = [data_to(name) for name in names]
    return dates[0] if len(dates) == 1 else f"MIN({','.join(dates)})"


def stale_text(date_formula: str) -> str:
    """What a STALE answer reads: the word and the date its data stop."""
    return f'"STALE: data to "&TEXT({date_formula},"yyyy-mm-dd")'
