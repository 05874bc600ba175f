"""U.S. Treasury's daily par-yield-curve CSV, one file per year: the keyless fallback for FRED's rate series.

The files list the newest day first with MM/DD/YYYY dates, quote their column names, and change the column set
from year to year (no "4 Mo" before Oct 2022, "1.5 Month" from Feb 2025), so columns are looked up by name.
The numbers are FRED's DGS* numbers, so T10Y2Y and T10Y3M are computed here as 10 Yr − 2 Yr and 10 Yr − 3 Mo,
rounded to FRED's two decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import Observation, Reader, parse_number, validate
from addin.pipeline.vendors.errors import BadResponse, NotFound

PATH = "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/{year}/all"
QUERY = "type=daily_treasury_yield_curve&field_tdr_date_value={year}&page&_format=csv"
FIRST_YEAR = 1990  # the par-yield series starts in January 1990

Formula = Callable[[dict[str, float | None]], float | None]


def _column(name: str) -> Formula:
    return lambda row: row.get(name)


def _spread(long: str, short: str) -> Formula:
    def compute(row: dict[str, float | None]) -> float | None:
        a, b = row.get(long), row.get(short)
        # FRED publishes its spreads to two decimals; round so the fallback stores FRED's exact numbers.
        return None if a is None or b is None else round(a - b, 2)

    return compute


# FRED series id -> (the columns it needs, how to compute it from a row).
SERIES: dict[str, tuple[tuple[str, ...], Formula]] = {
    "DGS1MO": (("1 Mo",), _column("1 Mo")),
    "DGS3MO": (("3 Mo",), _column("3 Mo")),
    "DGS6MO": (("6 Mo",), _column("6 Mo")),
    "DGS1": (("1 Yr",), _column("1 Yr")),
    "DGS2": (("2 Yr",), _column("2 Yr")),
    "DGS5": (("5 Yr",), _column("5 Yr")),
    "DGS10": (("10 Yr",), _column("10 Yr")),
    "DGS30": (("30 Yr",), _column("30 Yr")),
    "T10Y2Y": (("10 Yr", "2 Yr"), _spread("10 Yr", "2 Yr")),
    "T10Y3M": (("10 Yr", "3 Mo"), _spread("10 Yr", "3 Mo")),
}


def parse_year(series: str, text: str) -> list[tuple[dt.date, float | None]]:
    """Rows of one year's file for ``series``, newest first as the file has them (not yet validated)."""
    if series not in SERIES:
        raise NotFound("Treasury", series, "the Treasury par-yield curve does not provide this series.")
    needed, formula = SERIES[series]
    reader = csv.DictReader(io.StringIO(text))
    fields = [name.strip() for name in reader.fieldnames or []]
    if not fields:
        return []
    if fields[0] != "Date" or any(name not in fields for name in needed):
        raise BadResponse(
            "Treasury",
            series,
            f"the CSV lacks the column(s) {', '.join(needed)}; got {clip(','.join(fields), 100)!r}.",
        )
    out = []
    for number, raw in enumerate(reader, start=2):
        row = {key.strip(): value for key, value in raw.items() if key}
        try:
            day = dt.datetime.strptime(row["Date"].strip(), "%m/%d/%Y").date()
            values = {name: parse_number(row.get(name) or "") for name in needed}
        except (ValueError, AttributeError):
            raise BadResponse("Treasury", series, f"line {number} of the CSV is malformed.") from None
        out.append((day, formula(values)))
    return out


class TreasuryReader(Reader):
    id = "treasury"
    display_name = "Treasury"
    default_base_url = "https://home.treasury.gov"
    pace_key = "home.treasury.gov"
    pacing = 0.5
    expected = "a CSV file"

    def kind(self, field: str) -> str:
        return "raw"  # par yields; ``field`` does not apply

    def read(self, symbol: str, start: dt.date | None, end: dt.date | None, field: str) -> list[Observation]:
        """One request per year from ``start`` to ``end``, the years' rows joined oldest first."""
        if symbol not in SERIES:
            raise NotFound(self.display_name, symbol, "the Treasury par-yield curve does not provide this series.")
        first = max(FIRST_YEAR, start.year if start else FIRST_YEAR)
        last = (end or dt.date.today()).year
        rows: list[tuple[dt.date, float | None]] = []
        # Oldest year first, each file newest first: reverse each file so the whole list runs oldest first.
        for year in range(first, last + 1):
            response = self.get(symbol, PATH.format(year=year), QUERY.format(year=year), detail=f" for {year}")
            if not response.body.strip():
                continue  # a year without rows (early January) is an empty 200
            year_rows = parse_year(symbol, self.body_text(symbol, response))
            if not year_rows:
                continue
            validate_order = [(day, 0.0) for day, _ in year_rows]
            # raises if not strictly newest first
            validate(self.display_name, symbol, validate_order, newest_first=True)
            rows.extend(reversed(year_rows))
        rows = [(day, value) for day, value in rows if (not start or day >= start) and (not end or day <= end)]
        return validate(self.display_name, symbol, rows)
