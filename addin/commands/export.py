"""`lazarus export`: the copy of a Lazarus workbook for colleagues without the add-in (values, charts, formats)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.export import colleague_copy_path, export_for_colleagues
from workbook.xlsx import BrokenWorkbookError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, nargs="?", default=Path("lazarus.xlsx"), help="the Lazarus workbook")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write the copy (default: '<name> (for colleagues).xlsx')"
    )


def run(args: argparse.Namespace) -> int:
    target = args.out or colleague_copy_path(args.source)
    try:
        export_for_colleagues(args.source, target)
    except (BrokenWorkbookError, ValueError) as exc:
        print(f"lazarus export: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {target}: values, charts and formats only; opens without the add-in.")
    return 0
