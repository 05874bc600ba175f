"""`lazarus export`: the copy of a Lazarus workbook for colleagues without the add-in (values, charts, formats)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.export import colleague_copy_path, export_for_colleagues
from workbook.files import CannotWrite, check_writable, pick_target
from workbook.xlsx import BrokenWorkbookError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, nargs="?", default=Path("lazarus.xlsx"), help="the Lazarus workbook")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write the copy (default: '<name> (for colleagues).xlsx')"
    )
    parser.add_argument("--force", action="store_true", help="replace the copy if it exists (default: write beside it)")


def run(args: argparse.Namespace) -> int:
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
        export_for_colleagues(args.source, target)
    except (BrokenWorkbookError, ValueError, CannotWrite) as exc:
        print(f"lazarus export: {exc}", file=sys.stderr)
        return 1
    if note:
        print(note)
    print(f"Wrote {target}: values, charts and formats only; opens without the add-in.")
    return 0
