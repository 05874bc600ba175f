"""`lazarus addin build` and `lazarus addin install`: write lazarus.xlam (every VBA module inside), or put it into
Excel's add-ins and register it, importing nothing."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from addin.excel.xlam import XLAM_NAME, BuildError, build, install


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    build_parser = sub.add_parser("build", help="write lazarus.xlam with all its VBA (any OS)")
    build_parser.add_argument("--out", type=Path, default=Path(XLAM_NAME), help="where to write the add-in")
    sub.add_parser("install", help="copy the add-in into Excel's add-ins folder and register it (Windows, macOS)")


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        return install()
    try:
        path = build(args.out)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"lazarus addin build: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}")
    return 0
