"""`lazarus refresh`: fetch what is new from the vendors into the local store, with a progress bar and a summary."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

from addin.pipeline.config import ConfigError, base_url_variable, check_deadline, load_config
from addin.pipeline.refresh import DEFAULT_OVERLAP_DAYS, RefreshReport, SourceStatus, refresh, summary_rows
from addin.pipeline.secrets import clip
from addin.pipeline.sources import check_unique, load_sources, read_user_sources
from addin.pipeline.store import StoreError, open_store
from addin.pipeline.vendors import READERS, HttpClient, HttpSettings, key_settings
from workbook.catalogue import CATALOGUE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``lazarus refresh``."""
    parser.add_argument(
        "--store", help="a SQLite file or a postgresql:// URL (default: LAZARUS_STORE, the config, or lazarus.sqlite)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        help="CSV or JSON list of sources instead of the newsletter's and your added series (README: Add your own)",
    )
    parser.add_argument("--only", action="append", metavar="ID", help="refresh only this source id (repeatable)")
    parser.add_argument("--full", action="store_true", help="ignore stored dates and fetch whole histories")
    parser.add_argument("--overlap-days", type=int, default=DEFAULT_OVERLAP_DAYS, help="days re-fetched")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--deadline",
        type=_deadline,
        default=None,
        help="seconds the whole refresh may take (default 60, or [refresh] deadline in config.toml)",
    )
    parser.epilog = epilog()


def _deadline(text: str) -> float:
    """--deadline's value: seconds more than 0, at most a day (not inf, nan or 1e10)."""
    try:
        return check_deadline(text, "--deadline")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--deadline ")) from None


def epilog() -> str:
    """Where keys and base URLs come from, named from the readers' own declarations."""
    keys = ", ".join(f"{key.variable} (or {key.variables[1]})" for key in key_settings())
    names = ", ".join(key.name for key in key_settings())
    return (
        f"Keys: {keys}, or the [keys] table ({names}) of config.toml in the user's config folder "
        "(LAZARUS_CONFIG overrides its path). "
        f"Base URLs: {base_url_variable('<vendor>')}, e.g. {base_url_variable('yahoo')}; "
        f"vendors: {', '.join(READERS)}."
    )


def _progress(stream) -> Callable[[SourceStatus, int, int], None]:
    def show(status: SourceStatus, done: int, total: int) -> None:
        width = 24
        filled = width * done // total
        mark = "ok" if status.ok else "FAILED"
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {status.source_id} {mark}"
        stream.write(f"{line:<72}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def _table(rows: list[list[str]], max_error: int = 90) -> str:
    rows = [[*row[:-1], clip(row[-1], max_error) + ("…" if len(row[-1]) > max_error else "")] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace, settings: HttpSettings | None = None) -> int:
    """Run ``lazarus refresh``: 0 when every source refreshed, 1 when any failed or the store cannot be used
    (damaged, unreachable, no schema, read-only), 2 for a bad source list or option."""
    config = load_config()
    try:
        sources = load_sources(args.sources) if args.sources else [*CATALOGUE, *read_user_sources(config.data_dir)]
    except (OSError, ValueError, KeyError) as exc:
        print(f"lazarus refresh: cannot read the sources list: {exc}", file=sys.stderr)
        return 2
    if args.overlap_days < 0:
        print(f"lazarus refresh: --overlap-days must be 0 or more, not {args.overlap_days}", file=sys.stderr)
        return 2
    if args.only:
        known = {source.id.upper(): source.id for source in sources}
        unknown = [name for name in args.only if name.upper() not in known]
        if unknown:
            hints = [
                f"{name} (did you mean {', '.join(close)}?)" if close else name
                for name, close in ((name, difflib.get_close_matches(name.upper(), known, n=2)) for name in unknown)
            ]
            print(
                f"lazarus refresh: no source with the id {', '.join(hints)}; the known ids are: "
                f"{', '.join(known.values())}. `lazarus series add ID` adds one.",
                file=sys.stderr,
            )
            return 2
        wanted = {known[name.upper()] for name in args.only}
        sources = [source for source in sources if source.id in wanted]
    try:
        check_unique(sources)
    except ValueError as exc:
        print(f"lazarus refresh: the sources list is not usable: {exc}", file=sys.stderr)
        return 2
    try:
        store = open_store(config, args.store)
        store.check()
        report = refresh(
            sources,
            store,
            config,
            client=HttpClient(settings),
            overlap_days=args.overlap_days,
            full=args.full,
            on_status=None if args.no_progress else _progress(sys.stderr),
            deadline=args.deadline,
        )
    except StoreError as exc:
        print(f"lazarus refresh: {exc}", file=sys.stderr)
        return 1
    print(_table(summary_rows(report)))
    failed = sum(not s.ok for s in report.statuses)
    print(
        f"\n{len(report.statuses) - failed} of {len(report.statuses)} sources refreshed"
        f" in {report.seconds:.1f} s"
        f" ({report.requests} requests, {report.bytes_received:,} bytes); store: {store.location}"
    )
    if report.vintages:
        print(_vintage_line(report))
    if report.offline:
        # One line, not one blame per vendor: nothing could be reached, so the cause is here, not there.
        print(
            "lazarus refresh: no network: no vendor could be reached (connections refused or names not resolved); "
            "nothing was refreshed and the stored data is unchanged. Check the connection and refresh again.",
            file=sys.stderr,
        )
        return 1
    if report.timed_out:
        late = [s.source_id for s in report.statuses if "not refreshed: the refresh stopped" in s.error]
        print(
            f"lazarus refresh: stopped at the {config.deadline if args.deadline is None else args.deadline:g} s "
            f"deadline; not refreshed (their stored data is kept): {', '.join(late)}. --deadline allows more time.",
            file=sys.stderr,
        )
    for status in report.statuses:
        if not status.ok:
            print(f"{status.source_id}: {status.error}", file=sys.stderr)
    if report.log_error:
        print(report.log_error, file=sys.stderr)
    return 1 if failed else 0


def _vintage_line(report: RefreshReport) -> str:
    """One line on the vintage pass: what each revised series gained, or why it has none."""
    tried = [v for v in report.vintages if v.vendor]
    if not tried:
        return "Vintages: none fetched (they need a FRED API key); as-of replays use the publication delays."
    parts = [f"{v.source_id} +{v.added}" if v.ok else f"{v.source_id} failed ({v.status})" for v in tried]
    return f"Vintages (values as first published and revised): {', '.join(parts)}"
