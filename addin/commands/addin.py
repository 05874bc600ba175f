"""`lazarus addin build` and `lazarus addin install`: write lazarus.xlam (every VBA module inside), or put it into
Excel's add-ins and register it, importing nothing."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from addin.excel.xlam import XLAM_NAME, BuildError, build, install
from workbook.files import CannotWrite, check_writable, pick_target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    build_parser = sub.add_parser("build", help="write lazarus.xlam with all its VBA (any OS)")
    build_parser.add_argument("--out", type=Path, default=Path(XLAM_NAME), help="where to write the add-in (.xlam)")
    build_parser.add_argument(
        "--force", action="store_true", help="replace --out if it exists (default: write beside it)"
    )
    sub.add_parser("install", help="copy the add-in into Excel's add-ins folder and register it (Windows, macOS)")


def _build_into(target: Path) -> Path:
    """Build the add-in in a scratch folder beside `target` and move it into place: a failure (a full disk, a
    read-only file) leaves neither half an add-in nor a `.partial` file behind, and `target` as it was."""
    with tempfile.TemporaryDirectory(prefix=".lazarus-xlam-", dir=target.parent) as scratch:
        built = build(Path(scratch) / XLAM_NAME)
        os.replace(built, target)
    return target


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        return install()
    out: Path = args.out
    # The add-in is never written over a workbook (or anything else) by a typo in --out.
    if out.suffix.lower() != ".xlam":
        print(f"lazarus addin build: --out must name an .xlam file, not {out.name}", file=sys.stderr)
        return 2
    if out.is_dir():
        print(f"lazarus addin build: --out {out} is a folder; name the file, e.g. {out / XLAM_NAME}", file=sys.stderr)
        return 2
    target, note = pick_target(out, force=args.force)
    try:
        check_writable(target)
        path = _build_into(target)
    except CannotWrite as exc:
        print(f"lazarus addin build: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lazarus addin build: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"lazarus addin build: {exc}", file=sys.stderr)
        return 1
    if note:
        print(note)
    print(f"Wrote {path}")
    return 0
