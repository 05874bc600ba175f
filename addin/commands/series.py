"""`lazarus series add/remove/list`: the user's own series, fetched by the next refresh beside the newsletter's.

`lazarus series add AAPL` (or a FRED id such as `CPIAUCSL`) writes one row to ``my_series.csv`` in the data folder;
the vendor chain comes from the id's shape (addin.pipeline.sources.chain_for). The next `lazarus refresh` (or the
ribbon's Refresh data in a workbook built after the add) fetches it; `HISTORY("AAPL")` reads it from the store and
`lazarus build` shows it on the "Added series" sheet. `remove` stops fetching it; its stored history stays unless
`--delete-history` asks for it to go too (never a newsletter series' history: the workbook is built from it).
"""

from __future__ import annotations

import argparse
import sys

from addin.pipeline.config import Config, load_config
from addin.pipeline.sources import (
    KINDS,
    add_user_source,
    read_user_sources,
    remove_user_source,
    user_source,
    user_sources_file,
)
from addin.pipeline.store import StoreError, open_store
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
    remove = sub.add_parser("remove", help="stop fetching an added series (its stored history is kept unless asked)")
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.add_argument(
        "--delete-history",
        action="store_true",
        help="also delete its stored observations, revisions and vintages (works for a series removed earlier too)",
    )
    remove.add_argument(
        "--store", default=None, help="a SQLite file or a postgresql:// URL (default: LAZARUS_STORE, the config)"
    )
    sub.add_parser("list", help="the added series and where they are kept")


def _delete_history(config: Config, where: str | None, series_id: str) -> tuple[bool, str]:
    """Delete the stored history of `series_id` (any case): whether the store held any, and what was done, in words.
    ValueError for a newsletter series; StoreError as the store says."""
    wanted = series_id.strip().upper()
    if any(source.id == wanted for source in CATALOGUE):
        raise ValueError(f"{wanted} is one of the newsletter's series: its history is kept (the workbook needs it)")
    store = open_store(config, where)
    stored = next((known for known in store.series_ids() if known.upper() == wanted), None)
    if stored is None:
        return False, f"the store {store.location} held no history of {wanted}"
    return True, f"deleted {store.delete_series(stored)} stored rows of {stored} from {store.location}"


def _remove(config: Config, args: argparse.Namespace, series_id: str) -> str:
    """Take `series_id` off the added series and, with --delete-history, delete its stored history first (so a store
    that refuses leaves the list as it was); what was done, in words."""
    if not args.delete_history:
        source = remove_user_source(config.data_dir, series_id)
        return f"Removed {source.id}: refresh no longer fetches it; its stored history is kept."
    found, deleted = _delete_history(config, args.store, series_id)
    try:
        source = remove_user_source(config.data_dir, series_id)
    except ValueError as exc:  # removed earlier with its history kept: deleting that history is what was asked
        if not found:
            raise ValueError(f"{exc}; {deleted}") from None
        return f"{deleted[0].upper()}{deleted[1:]}."
    return f"Removed {source.id}: refresh no longer fetches it; {deleted}."


def run(args: argparse.Namespace) -> int:
    config = load_config()
    data_dir = config.data_dir
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
                print(_remove(config, args, series_id))
        except ValueError as exc:
            print(f"lazarus series {args.action}: {exc}", file=sys.stderr)
            status = 2
        except StoreError as exc:
            print(f"lazarus series {args.action}: {exc}", file=sys.stderr)
            status = max(status, 1)
    if args.action == "add" and status == 0:
        print('Run `lazarus refresh` to fetch it; then HISTORY("ID") reads it and `lazarus build` shows it.')
    return status
