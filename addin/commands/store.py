"""`lazarus store init`: create (or check) the store's tables, on the desk's PostgreSQL server or in the SQLite file.
`lazarus store load-sample`: the bundled sample into the store, for HISTORY and `lazarus build` without a network."""

from __future__ import annotations

import argparse
import sys

from addin.pipeline.config import load_config
from addin.pipeline.store import Store, StoreError, open_store
from addin.pipeline.store.choice import is_postgres, where_configured


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    init = sub.add_parser("init", help="create the store's tables (versioned); safe to run again")
    init.add_argument("--store", default=None, help="a postgresql:// URL or a SQLite file (default: your config)")
    sample = sub.add_parser("load-sample", help="write the bundled sample (no key, no network) into the store")
    sample.add_argument("--store", default=None, help="a postgresql:// URL or a SQLite file (default: your config)")


def run(args: argparse.Namespace) -> int:
    config = load_config()
    where = where_configured(config, args.store)
    try:
        if args.action == "load-sample":
            from addin.pipeline import sample

            store = open_store(config, args.store)
            loaded = sample.load_into(store)
            print(f"Loaded the bundled sample into {store.location}: {', '.join(loaded)}")
            return 0
        if is_postgres(str(where)):
            from addin.pipeline.store.postgres import PostgresStore

            print(PostgresStore(str(where), check_schema=False).init())
        else:
            print(f"the SQLite store {Store(where).location} is ready (its tables are created on first use)")
    except StoreError as exc:
        print(f"lazarus store init: {exc}", file=sys.stderr)
        return 2
    return 0
