"""`lazarus export`: the copy of a Lazarus workbook for colleagues without the add-in (values, charts, formats)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.export import colleague_copy_path, export_for_colleagues, is_colleague_copy_name
from workbook.files import CannotWrite, check_writable, pick_target
from workbook.xlsx import BrokenWorkbookError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, nargs="?", default=Path("lazarus.xlsx"), help="the Lazarus workbook")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write the copy (default: '<name> (for colleagues).xlsx')"
    )
    parser.add_argument("--force", action="store_true", help="replace the copy if it exists (default: write beside it)")
    parser.add_argument(
        "--no-data-sheets",
        action="store_true",
        help="leave the data sheets (Prices, Rates, Macro) out: the dashboard, claims and charts keep their values",
    )


def run(args: argparse.Namespace) -> int:
    if is_colleague_copy_name(args.source) and args.out is None:
        # `lazarus export "lazarus (for colleagues).xlsx"`: the name of the copy, given where the live workbook goes.
        live = args.source.with_name(args.source.name.replace(" (for colleagues)", ""))
        print(
            f"lazarus export: {args.source.name} is the name of a copy; give the live workbook instead: "
            f'lazarus export "{live}" writes "{colleague_copy_path(live).name}" beside it (--out names the copy).',
            file=sys.stderr,
        )
        return 2
    wanted = args.out or colleague_copy_path(args.source)
    if wanted.suffix.lower() != ".xlsx":
        print(f"lazarus export: --out must name an .xlsx file, not {wanted.name}", file=sys.stderr)
        return 2
    if wanted.resolve() == args.source.resolve():
        print(
            f"lazarus export: --out is the workbook being exported ({args.source}); the copy holds values only, so "
            "writing it there would lose every formula. Choose another name.",
            file=sys.stderr,
        )
        return 2
    target, note = pick_target(wanted, force=args.force)
    try:
        check_writable(target)
        export_for_colleagues(args.source, target, with_data=not args.no_data_sheets)
    except (BrokenWorkbookError, ValueError, CannotWrite) as exc:
        print(f"lazarus export: {exc}", file=sys.stderr)
        return 1
    if note:
        print(note)
    print(f"Wrote {target}: values, charts and formats only; opens without the add-in.")
    return 0
