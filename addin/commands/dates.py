"""Dates as people type them on the command line (`--as-of`): one parser, one list of the accepted forms."""

from __future__ import annotations

import argparse
import datetime as dt
import re

FORMS = "2024-07-16, 20240716, 07/16/2024 (month first), 16.07.2024 (day first), 16 Jul 2024, Jul 16 2024"

_NAMED = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")


def parse_day(text: str) -> dt.date:
    """A day in any of FORMS. A slashed date is month first (07/16/2024), as US Excel writes it; one whose first
    number cannot be a month (16/07/2024) is read day first."""
    value = text.strip().replace(",", " ")
    value = re.sub(r"\s+", " ", value)
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = map(int, value.split("-"))
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{8}", value):
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
            first, second, year = map(int, value.split("/"))
            month, day = (first, second) if first <= 12 else (second, first)
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value):
            day, month, year = map(int, value.split("."))
            return dt.date(year, month, day)
    except ValueError as exc:  # 2024-02-30
        raise argparse.ArgumentTypeError(f"{text!r} is not a day of the calendar ({exc})") from exc
    for form in _NAMED:
        try:
            return dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as one of: {FORMS}")
