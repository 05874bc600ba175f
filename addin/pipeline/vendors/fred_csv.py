"""FRED's keyless website export ``/graph/fredgraph.csv?id=SERIES&cosd=…&coed=…``.

The header was ``DATE,SERIES`` with ``.`` for missing until about Dec 2024 and is now
``observation_date,SERIES`` with an empty field; both forms are accepted, and a missing value is kept as
None at its date, never read as 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import Observation, Reader, date_range, iso_date, parse_number, validate
from addin.pipeline.vendors.errors import BadResponse

DATE_HEADERS = ("observation_date", "DATE")


def parse(series: str, text: str) -> list[Observation]:
    """Parse a fredgraph.csv body for ``series``; raises BadResponse for anything that is not that series."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        raise BadResponse("FRED", series, "the CSV file came back empty.")
    header = [cell.strip() for cell in rows[0]]
    if len(header) != 2 or header[0] not in DATE_HEADERS or header[1].upper() != series.upper():
        raise BadResponse(
            "FRED",
            series,
            f"the CSV header changed: expected 'observation_date,{series}' (or 'DATE,{series}'), "
            f"got {clip(','.join(header), 80)!r}.",
        )
    parsed: list[tuple[dt.date, float | None]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise BadResponse("FRED", series, f"line {number} of the CSV is malformed (the file may be cut off).")
        try:
            value = parse_number(row[1])
        except ValueError:
            raise BadResponse("FRED", series, f"line {number}: {clip(row[1], 20)!r} is not a number.") from None
        parsed.append((iso_date("FRED", series, row[0]), value))
    return validate("FRED", series, parsed)


class FredCsvReader(Reader):
    id = "fred"
    display_name = "FRED"
    default_base_url = "https://fred.stlouisfed.org"
    pace_key = "fred.stlouisfed.org"
    pacing = 1.0  # FRED enforces about 2 requests/s since 2026 and answers bursts with 429: stay at 1/s
    expected = "a CSV file"
    not_found = "FRED has no series with this id (or it was discontinued)."

    def path(self, symbol: str) -> str:
        return "/graph/fredgraph.csv"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        return {"id": symbol, **date_range(start, end, ("cosd", "coed"))}

    def kind(self, field: str) -> str:
        return "raw"  # FRED's values are what they are; ``field`` does not apply

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text)
