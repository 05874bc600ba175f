"""Every defined name of the Lazarus workbook, in one place: its text and what it refers to.

The Dashboard's and the Claims sheet's formulas, the data sheets, the .xlsx writer and a refresh of an open
workbook take their names from here; no other module makes a name up or decides what one refers to.

Data names, for each data table (see data_sheets):
- `ALL_<column>` and `ALL_<TABLE>_DATES`: the whole column (an exact range, rewritten whenever the table grows);
- `<TABLE>_ROW = MATCH(AS_OF - lag, ALL_<dates>, 1)`: the last row published by the as-of date;
- `<column>` and `<TABLE>_DATES`: the column up to that row, `INDEX(ALL_x,1):INDEX(ALL_x,<TABLE>_ROW)`.
Dashboard names: `AS_OF` (the as-of cell), and `ANALOG_TABLE`, `EASING_TABLE` and `EVENTS_1`… (tables the grids
index, each computed once into cells) with their `…_ROWS`.
Vintage names (see vintage_sheet): `UNRATE_VINTAGE_DATES` (the row of vintage days), `UNRATE_VINTAGES` (one column per
day: UNRATE as known that day), `UNRATE_VINTAGE_MONTHS` (the rows' dates), `UNRATE_VINTAGE_COLUMN` (the latest vintage
day on or before AS_OF), `UNRATE_KNOWN` (that column, INDEX:INDEX) and `UNRATE_KNOWN_OK` (TRUE when that column is what
was known that day; the Dashboard's and the Claims sheet's figures as known that day use it then, revised data else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter

if TYPE_CHECKING:  # data_sheets lays the tables out and asks here for their names
    from workbook.data_sheets import DataTable

AS_OF = "AS_OF"

# The analog grid indexes RALLY_ANALOGS' table: header, episodes, then two summary rows.
ANALOG_WINDOW = 6
ANALOGS = f"RALLY_ANALOGS(IWM,PRICE_DATES,{ANALOG_WINDOW})"
ANALOG_TABLE = "ANALOG_TABLE"

# EASING_CYCLES of the Fed's target from the Dashboard's since cell: DFEDTAR to 2008, then the upper limit DFEDTARU.
EASING_TABLE = "EASING_TABLE"

# After each first cut: what IWM/SPY, MDY/SPY and SPY did (label, series, denominator or "", horizons in
# observations after the close of the day the target changes: about one, three, six and twelve months).
EVENT_BLOCKS: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("IWM/SPY", "IWM", "SPY", (21, 63, 126, 252)),
    ("MDY/SPY", "MDY", "SPY", (21, 63, 126, 252)),
    ("SPY", "SPY", "", (21, 63)),
)


def events_name(index: int) -> str:
    """The name of EVENT_BLOCKS[index]'s EVENT_RETURNS table."""
    return f"EVENTS_{index + 1}"


def event_returns(top: str, bottom: str, horizons: tuple[int, ...]) -> str:
    """EVENT_RETURNS of `top` (over `bottom` unless "") after each first cut of EASING_TABLE."""
    text = ",".join(str(h) for h in horizons)
    denominator = f",{bottom}" if bottom else ""
    return f'EVENT_RETURNS({top},PRICE_DATES,{EASING_TABLE},"{text}"{denominator})'


def easing_cycles(easing_since: str) -> str:
    """The EASING_CYCLES call EASING_TABLE holds, from the absolute address of the Dashboard's since cell."""
    return f"EASING_CYCLES(DFEDTAR,POLICY_DATES,DFEDTARU,{easing_since})"


def rows_name(table: str) -> str:
    """The name of the cell holding the number of rows of a computed table: EVENTS_1 -> EVENTS_1_ROWS."""
    return f"{table}_ROWS"


ANALOG_ROWS = rows_name(ANALOG_TABLE)


def computed_tables(easing_since: str) -> dict[str, str]:
    """The tables the Dashboard's grids read, each computed once into a block of cells (a legacy array formula):
    name -> the call, EASING_TABLE first (EVENTS_1… read it). A name that held the call itself would be one call per
    reference, as Excel evaluates a name at each reference: the grids refer to these about 40 times each, and each
    EVENTS_n to EASING_TABLE again (376 calls per recalculation, benchmarks/bench_calls.py)."""
    tables = {ANALOG_TABLE: ANALOGS, EASING_TABLE: easing_cycles(easing_since)}
    for index, (_, top, bottom, horizons) in enumerate(EVENT_BLOCKS):
        tables[events_name(index)] = event_returns(top, bottom, horizons)
    return tables


def dashboard_names(as_of: str, tables: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """The Dashboard's names, given the absolute addresses of its as-of cell and, for each of `computed_tables`,
    of its block and of the cell holding its ROWS."""
    names = {AS_OF: as_of}
    for table, (block, rows) in tables.items():
        names[table], names[rows_name(table)] = block, rows
    return names


VINTAGE_SERIES = "UNRATE"  # the series the Vintages sheet lays out
VINTAGE_DATES = f"{VINTAGE_SERIES}_VINTAGE_DATES"
VINTAGE_GRID = f"{VINTAGE_SERIES}_VINTAGES"
VINTAGE_MONTHS = f"{VINTAGE_SERIES}_VINTAGE_MONTHS"
VINTAGE_COLUMN = f"{VINTAGE_SERIES}_VINTAGE_COLUMN"  # #N/A before the first stored vintage day
UNRATE_KNOWN = f"{VINTAGE_SERIES}_KNOWN"
# TRUE when UNRATE_KNOWN reaches the latest month the publication delay lets through by the as-of day (an older vintage
# is not what was known that day), FALSE when it stops before; #N/A before the first stored vintage day.
UNRATE_KNOWN_OK = f"{UNRATE_KNOWN}_OK"


def vintage_names(sheet: str, last_column: int, last_row: int) -> dict[str, str]:
    """The names of the Vintages sheet whose grid of vintage days ends at `last_column` and `last_row`."""
    letter = get_column_letter(last_column)
    return {
        VINTAGE_DATES: f"{sheet}!$B$1:${letter}$1",
        VINTAGE_GRID: f"{sheet}!$B$2:${letter}${last_row}",
        VINTAGE_MONTHS: _absolute(sheet, 1, 2, last_row),
        VINTAGE_COLUMN: f"MATCH({AS_OF},{VINTAGE_DATES},1)",
        UNRATE_KNOWN: (
            f"INDEX({VINTAGE_GRID},1,{VINTAGE_COLUMN}):INDEX({VINTAGE_GRID},ROWS({VINTAGE_GRID}),{VINTAGE_COLUMN})"
        ),
        UNRATE_KNOWN_OK: f'MAXIFS({VINTAGE_MONTHS},{UNRATE_KNOWN},">0")>=MAXIFS(MONTH_DATES,{VINTAGE_SERIES},">0")',
    }


def as_of_published(table: DataTable) -> str:
    """The latest row date of `table` known on the as-of day: AS_OF minus its publication lag."""
    return f"{AS_OF}-{table.published_days}" if table.published_days else AS_OF


def _absolute(sheet: str, column: int, first_row: int, last_row: int) -> str:
    letter = get_column_letter(column)
    return f"{sheet}!${letter}${first_row}:${letter}${last_row}"


def table_names(table: DataTable, last_row: int) -> dict[str, str]:
    """The names of `table` whose data ends on `last_row`: ALL_ ranges, the as-of row and as-of ranges."""
    first = table.first_column
    all_dates = f"ALL_{table.dates_name}"
    names = {
        all_dates: _absolute(table.sheet, first, 2, last_row),
        # A replay of a past day uses only the rows published by then (catalogue.Source.published_days).
        table.row_name: f"MATCH({as_of_published(table)},{all_dates},1)",
        table.dates_name: f"INDEX({all_dates},1):INDEX({all_dates},{table.row_name})",
    }
    for index, column in enumerate(table.columns, start=1):
        whole = f"ALL_{column.defined_name}"
        names[whole] = _absolute(table.sheet, first + index, 2, last_row)
        names[column.defined_name] = f"INDEX({whole},1):INDEX({whole},{table.row_name})"
    return names
