"""`lazarus series add/remove/list`: the user's own series, fetched by the next refresh beside the newsletter's.

`lazarus series add AAPL` (or a FRED id such as `CPIAUCSL`) writes one row to ``my_series.csv`` in the data folder;
the vendor chain comes from the id's shape (addin.pipeline.sources.chain_for). The next `lazarus refresh` (or the
ribbon's Refresh data in a workbook built after the add) fetches it; `HISTORY("AAPL")` reads it from the store and
`lazarus build` shows it on the "Added series" sheet. `remove` stops fetching it; its stored history stays.
"""

from __future__ import annotations

import argparse
import sys

from addin.pipeline.config import load_config
from addin.pipeline.sources import (
    KINDS,
    add_user_source,
    read_user_sources,
    remove_user_source,
    user_source,
    user_sources_file,
)
from workbook.catalogue import CATALOGUE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add a ticker or FRED id; the next refresh fetches it")
    add.add_argument("ids", nargs="+", metavar="ID", help="e.g. AAPL, QQQ, ^VIX, CPIAUCSL (case does not matter)")
    add.add_argument(
        "--kind",
        choices=KINDS,
        default=None,
        help="ticker (Yahoo, Tiingo, Stooq, Alpha Vantage), fred (FRED, then the FRED API) or yahoo (Yahoo only); "
        "default: from the id's shape (1-5 letters: a ticker; digits or longer: FRED; ^, = or .: Yahoo)",
    )
    remove = sub.add_parser("remove", help="stop fetching an added series (its stored history is kept)")
    remove.add_argument("ids", nargs="+", metavar="ID")
    sub.add_parser("list", help="the added series and where they are kept")


def run(args: argparse.Namespace) -> int:
    data_dir = load_config().data_dir
    if args.action == "list":
        added = read_user_sources(data_dir)
        print(f"Added series ({user_sources_file(data_dir)}):")
        for source in added:
            print(f"  {source.id:<12} {source.vendors_text()}")
        if not added:
            print("  none yet: `lazarus series add AAPL` adds one")
        print(f"The newsletter's series (always fetched): {', '.join(s.id for s in CATALOGUE)}")
        return 0
    status = 0
    for series_id in args.ids:
        try:
            if args.action == "add":
                source = user_source(series_id, args.kind)
                path = add_user_source(data_dir, source)
                print(f"Added {source.id} ({source.vendors_text()}) to {path}.")
            else:
                source = remove_user_source(data_dir, series_id)
                print(f"Removed {source.id}: refresh no longer fetches it; its stored history is kept.")
        except ValueError as exc:
            print(f"lazarus series {args.action}: {exc}", file=sys.stderr)
            status = 2
    if args.action == "add" and status == 0:
        print('Run `lazarus refresh` to fetch it; then HISTORY("ID") reads it and `lazarus build` shows it.')
    return status
