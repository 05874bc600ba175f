"""`lazarus build`: write the Lazarus workbook from the local store (or the bundled sample with --offline)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from addin.commands.dates import FORMS, parse_day
from addin.pipeline.config import load_config
from addin.pipeline.sources import read_user_sources
from addin.pipeline.store import StoreError, open_store
from addin.pipeline.workbook_data import offline_data, store_data
from workbook import direct
from workbook.data_sheets import SheetFull
from workbook.files import CannotWrite, check_writable, pick_target
from workbook.xlsx import write_book


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("lazarus.xlsx"), help="workbook to write (default lazarus.xlsx)"
    )
    parser.add_argument("--force", action="store_true", help="replace --out if it exists (default: write beside it)")
    parser.add_argument("--offline", action="store_true", help="use the bundled sample instead of the local store")
    parser.add_argument(
        "--store", default=None, help="the store to read: a SQLite file or a postgresql:// URL (default: your config)"
    )
    parser.add_argument(
        "--as-of",
        type=parse_day,
        default=None,
        help=f"fix the as-of date (default: follow the latest data); accepted forms: {FORMS}",
    )


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    if args.out.suffix.lower() != ".xlsx":
        print(f"lazarus build: --out must name an .xlsx file, not {args.out.name}", file=sys.stderr)
        return 2
    target, note = pick_target(args.out, force=args.force)
    try:
        check_writable(target)
    except CannotWrite as exc:
        print(f"lazarus build: {exc}", file=sys.stderr)
        return 1
    try:
        config = load_config()
        added = [] if args.offline else read_user_sources(config.data_dir)
        store = None if args.offline else open_store(config, args.store, read_only=True)
        book_data = offline_data() if store is None else store_data(store, added)
    except (StoreError, ValueError) as exc:  # ValueError: an unreadable my_series.csv, with its line
        print(f"lazarus build: {exc}", file=sys.stderr)
        return 1
    if not any(values for _, values in book_data.data.values()):
        print("lazarus build: the store holds no data yet; run `lazarus refresh` or use --offline", file=sys.stderr)
        return 1
    newest = book_data.newest_price()
    if args.as_of is not None and newest is not None and args.as_of > newest:
        # A workbook dated after its data would show old numbers as that day's answers.
        print(
            f"lazarus build: --as-of {args.as_of} is after the newest price in the data ({newest}); give that day "
            "or an earlier one, or leave --as-of out to follow the data",
            file=sys.stderr,
        )
        return 1
    try:
        book = book_data.book(args.as_of, added=added)
    except SheetFull as exc:
        print(f"lazarus build: {exc}", file=sys.stderr)
        return 1
    try:
        # Computed before writing: every formula cell carries its value, so the file reads right before Excel
        # recalculates.
        write_book(book, target, direct.calculate(book))
    except CannotWrite as exc:
        print(f"lazarus build: {exc}", file=sys.stderr)
        return 1
    if note:
        print(note)
    newest = max((dates[-1] for dates, _ in book_data.data.values() if dates), default=None)
    # The store's own description: a PostgreSQL URL's password is masked there.
    origin = "the bundled sample" if store is None else f"the store {store.location}"
    day = args.as_of.isoformat() if args.as_of else "the latest price date (it follows the data)"
    print(
        f"Wrote {target} in {time.perf_counter() - began:.1f} s: as of {day}, from {origin}, newest data "
        f"{newest.isoformat() if newest else 'none'}. Open it in Excel with the Lazarus add-in."
    )
    return 0
