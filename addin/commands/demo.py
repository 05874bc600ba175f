"""`lazarus demo`: the main job, offline and keyless.

Builds the Lazarus workbook on the bundled real data as of the newsletter's day (2024-07-16), computes it without
Excel, exports the copy for colleagues, then replays the latest day, and prints the dashboard's answers for both:
what the terminal shows is what the workbook's formulas compute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from addin.commands.dates import FORMS, parse_day
from addin.pipeline.workbook_data import PRICE_IDS, offline_data
from udfs.inputs import date_to_serial, serial_to_date
from udfs.reports import ANALOG_HORIZONS, analog_header
from workbook import direct
from workbook.claims import CLAIMS
from workbook.dashboard import (
    ANALOGS_SHOWN,
    EASING_SHOWN,
    NEWSLETTER_SECTIONS,
    SECTIONS,
    SHEET,
    Section,
    easing_header,
)
from workbook.export import Snapshot, colleague_copy_path, export_book, shown
from workbook.files import CannotWrite, check_writable, pick_target
from workbook.model import Book
from workbook.xlsx import write_book

NEWSLETTER_DAY = dt.date(2024, 7, 16)


def formatted(value: Any, number_format: str) -> str:
    """A computed value as the cell's number format shows it (the subset of formats the dashboard uses)."""
    value = shown(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if "yy" in number_format:
        return serial_to_date(value).isoformat()
    if number_format.endswith("%"):
        decimals = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
        return f"{value:.{decimals}%}"
    if "σ" in number_format:
        return f"{value:.2f}σ"
    decimals = len(number_format.split(".")[1]) if "." in number_format else 0
    return f"{value:,.{decimals}f}"


def _value(results: Mapping[str, Mapping[tuple[int, int], Any]], book: Book, key: str) -> Any:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    sheet, ref = book.answers[key]
    column, row = coordinate_from_string(ref)
    position = (row, column_index_from_string(column))
    if position in results.get(sheet, {}):
        return results[sheet][position]
    value = book.sheet(sheet).cells[position].value  # a typed-in value, such as a fixed as-of date
    return date_to_serial(value) if isinstance(value, dt.date) else value


def print_answers(book: Book, results: Mapping, write: Callable[[str], None] = print, day: str = "") -> None:
    """The dashboard's answers; `day` says which day it is ("the newsletter's day", "the latest day in the data")."""
    as_of = formatted(_value(results, book, "as_of"), "yyyy-mm-dd")
    title = f"Dashboard on {day}, {as_of}" if day else f"Dashboard as of {as_of}"
    write(f"\n=== {title} ===")
    _print_sections(book, results, SECTIONS, write)
    write("\nIWM: after six-day moves like this one, did the rally have legs?")
    count = _value(results, book, "analog_count")
    more = isinstance(count, (int, float)) and count > ANALOGS_SHOWN
    shown_note = f" (the last {ANALOGS_SHOWN} are shown)" if more else ""
    write(f"  earlier episodes: {formatted(count, '0')}{shown_note}")
    if isinstance(count, str):  # an ordinary day, or no episodes: the count says why, and there is no table
        print_newsletter(book, results, write)
        return
    header = analog_header(ANALOG_HORIZONS)
    write("  " + "".join(f"{h:>12}" for h in header))
    _, ref = book.answers["analog_1"]
    first_row = int(ref[1:])
    for k in range(ANALOGS_SHOWN + 3):
        row = [results[SHEET].get((first_row + k, column)) for column in range(1, 7)]
        if k == ANALOGS_SHOWN + 2:  # N per column
            write("  " + f"{'N':>12}" + "".join(f"{formatted(v, '0'):>12}" for v in row[1:]))
            continue
        if all(shown(v) in (None, "") for v in row):
            continue
        first = formatted(row[0], "yyyy-mm-dd") if k < ANALOGS_SHOWN else str(row[0])
        write("  " + f"{first:>12}" + "".join(f"{formatted(v, '0.0%'):>12}" for v in row[1:]))
    print_newsletter(book, results, write)


def _print_sections(book: Book, results: Mapping, sections: tuple[Section, ...], write: Callable[[str], None]) -> None:
    for section in sections:
        tickers = [t for t in section.tickers if t]
        heading = f"{section.title}" + (f"  ({' | '.join(tickers)})" if len(tickers) > 1 else "")
        write(f"\n{heading}")
        for answer in section.answers:
            cells = []
            reach = ""
            for ticker in section.tickers:
                key = f"{ticker.lower()}_{answer.key}" if ticker else answer.key
                cells.append(formatted(_value(results, book, key), answer.number_format))
                if f"{key}_data_to" in book.answers:  # the date the answer's data reach, beside it
                    reach = formatted(_value(results, book, f"{key}_data_to"), "yyyy-mm-dd")
            write(f"  {answer.label:<50} {' | '.join(cells)}" + (f"   (data to {reach})" if reach else ""))


def print_newsletter(book: Book, results: Mapping, write: Callable[[str], None] = print) -> None:
    """The rest of the newsletter: rotation, breadth, macro, and what followed each first rate cut."""
    _print_sections(book, results, NEWSLETTER_SECTIONS, write)
    write("\nAfter each first rate cut since 1989 (returns over 1, 3, 6, 12 months of trading days)")
    write(f"  easing cycles found: {formatted(_value(results, book, 'easing_count'), '0')}")
    header = easing_header()
    write("  " + f"{header[0]:>12}" + "".join(f"{h:>12}" for h in header[1:]))
    first_row = int(book.answers["easing_1"][1][1:])
    for k in range(EASING_SHOWN + 3):
        row = [results[SHEET].get((first_row + k, column)) for column in range(1, len(header) + 1)]
        if k == EASING_SHOWN + 2:  # N per column: the cuts with a return there
            write("  " + f"{'N':>12}" + "".join(f"{formatted(v, '0'):>12}" for v in row[1:]))
            continue
        if k >= EASING_SHOWN:
            row[0] = "Median" if k == EASING_SHOWN else "Share up"
        elif shown(row[0]) in (None, ""):
            continue
        first = formatted(row[0], "yyyy-mm-dd") if k < EASING_SHOWN else row[0]
        write("  " + f"{first:>12}" + "".join(f"{formatted(v, '0.0%'):>12}" for v in row[1:]))
    blanks = shown(results[SHEET].get((first_row + EASING_SHOWN + 3, 1)))  # why a row can be blank
    if blanks:
        write(f"  {blanks}")
    print_claims(book, results, write)


def print_claims(book: Book, results: Mapping, write: Callable[[str], None] = print) -> None:
    """The Claims sheet: each sentence whole (wrapped), then its measured number, the verdict, the cases a share
    or median rests on and the date its data reach (and the data used, for a claim on a series with vintages)."""
    write("\nThe newsletter's claims, measured")
    for claim in CLAIMS:
        measured = formatted(_value(results, book, f"claim_{claim.key}"), claim.number_format)
        verdict = formatted(_value(results, book, f"verdict_{claim.key}"), "@")
        reach = formatted(_value(results, book, f"data_to_{claim.key}"), "yyyy-mm-dd")
        cases = ""
        if f"cases_{claim.key}" in book.answers:
            cases = f"   N = {formatted(_value(results, book, f'cases_{claim.key}'), '0')}"
        used = ""  # a claim on a series with vintages says whether it used one
        if f"data_used_{claim.key}" in book.answers:
            used = f" ({formatted(_value(results, book, f'data_used_{claim.key}'), '@')})"
        for line in textwrap.wrap(claim.sentence, 96, initial_indent="  ", subsequent_indent="    "):
            write(line)
        write(f"      measured {measured}   verdict {verdict}{cases}   data to {reach}{used}")


def coverage_notes(data: Mapping[str, tuple[list[dt.date], list[float | None]]], as_of: dt.date) -> list[str]:
    """One line per series whose data do not reach ``as_of``: it starts later, or it ends earlier. A series that
    another one continues from the next day on (DFEDTAR, the Fed's target to 2008-12-15, then DFEDTARU) is not news."""
    spans = {}
    for series_id, (dates, values) in data.items():
        present = [day for day, value in zip(dates, values, strict=True) if value is not None]
        if present:
            spans[series_id] = (present[0], present[-1])
    successors = {first for first, _ in spans.values()}
    notes = []
    for series_id, (first, last) in spans.items():
        if as_of < first:
            notes.append(f"{series_id}: no data on or before {as_of} (its data start {first})")
        elif as_of > last and last + dt.timedelta(days=1) in successors:
            continue
        elif as_of > last:
            notes.append(f"{series_id}: the as-of {as_of} is after its latest data ({last}); that is shown")
    return notes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("lazarus-demo"), help="folder for the two workbooks")
    parser.add_argument("--force", action="store_true", help="replace the workbooks if they exist (default: new names)")
    parser.add_argument(
        "--as-of",
        type=parse_day,
        default=NEWSLETTER_DAY,
        help=f"the day to replay and export (default: the newsletter's day, {NEWSLETTER_DAY}); forms: {FORMS}",
    )


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    workbook_path, note = pick_target(args.out / "lazarus.xlsx", force=args.force)
    export_path, export_note = pick_target(colleague_copy_path(workbook_path), force=args.force)
    try:
        check_writable(workbook_path)
    except CannotWrite as exc:
        print(f"lazarus demo: {exc}", file=sys.stderr)
        return 1
    # Said at once: building and computing two days takes several seconds, and a silent terminal reads as a hang.
    print(
        f"Lazarus demo: the newsletter's questions on the bundled real data (no key, no network), as of {args.as_of}"
        " and then as of the latest day in the data. Computing…",
        flush=True,
    )
    book_data = offline_data()
    newest = book_data.newest_price()
    if newest is not None and args.as_of > newest:  # a replay of a day the data never reached would be guesswork
        print(
            f"lazarus demo: --as-of {args.as_of} is after the newest price in the data ({newest}); give that day "
            "or an earlier one (without --as-of the demo also shows the latest day)",
            file=sys.stderr,
        )
        return 1
    book = book_data.book(args.as_of)
    prices = [dates[0] for sid, (dates, _) in book_data.data.items() if dates and sid in PRICE_IDS]
    before_all_prices = bool(prices) and args.as_of < min(prices)
    try:
        if before_all_prices:
            write_book(book, workbook_path, {})  # nothing to compute before the first price
        else:
            computed = direct.Evaluator(book)
            results = computed.compute()
            write_book(book, workbook_path, results)
            export_book(book, export_path, results, Snapshot(workbook=workbook_path.name), live=workbook_path)
    except CannotWrite as exc:
        print(f"lazarus demo: {exc}", file=sys.stderr)
        return 1
    notes = coverage_notes(book_data.data, args.as_of)
    if notes:  # said before the answers, so an as-of past the data never reads as answers for that day
        print(f"\nAs of {args.as_of}, per series:")
        print("\n".join(f"  {note}" for note in notes))
    if before_all_prices:
        print(f"\n=== Dashboard as of {args.as_of} ===")
        print(f"Nothing to compute: {args.as_of} is before the first price (the prices start {min(prices)}).")
        print("\nRun `lazarus demo` without --as-of (or with a later day) for answers on the data.")
        export_path = None
    else:
        print_answers(book, results, day="the newsletter's day" if args.as_of == NEWSLETTER_DAY else "")
        sys.stdout.flush()
        # The latest day: the same data sheets (shared, not built again) and their ranges (not read again).
        latest = book_data.book(None, same_data_as=book)
        print_answers(latest, direct.calculate(latest, reuse=computed), day="the latest day in the data")
    for line in (note, export_note):
        if line:
            print(f"\n{line}")
    print(f"\nWorkbook (formulas; open in Excel with the Lazarus add-in): {workbook_path}")
    print(f"Copy for colleagues (values, charts; opens anywhere):      {export_path or 'not written (no data)'}")
    print("Data: the bundled sample (addin/pipeline/sample/SOURCES.md): Yahoo Finance prices (personal use), FRED.")
    print(f"Done in {time.perf_counter() - began:.1f} s.")
    return 0
