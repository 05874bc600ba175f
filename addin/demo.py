"""`lazarus demo`: the newsletter's questions answered on the bundled real data, offline, no key."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

from addin import sample
from udfs import cells
from udfs.inputs import serial_to_date

NEWSLETTER_DAY = dt.date(2024, 7, 16)

Answer = tuple[str, str]


def _pct(value: object) -> str:
    return f"{value:.2%}" if isinstance(value, float) else str(value)


def _sigma(value: object) -> str:
    return f"{value:.2f}σ" if isinstance(value, float) else str(value)


def _num(value: object, digits: int = 2) -> str:
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else str(value)


def _date(value: object) -> str:
    return serial_to_date(value).isoformat() if isinstance(value, float) else str(value)


def _aligned(first: str, second: str, until: dt.date | None) -> tuple[list[float | None], list[float | None]]:
    """Two price series on the dates they share (the sheets hold them side by side on one Date column)."""
    dates_a, values_a = sample.load(first, until)
    dates_b, values_b = sample.load(second, until)
    by_date = dict(zip(dates_b, values_b, strict=True))
    pairs = [(a, by_date[d]) for d, a in zip(dates_a, values_a, strict=True) if d in by_date]
    return [a for a, _ in pairs], [b for _, b in pairs]


def answers(until: dt.date | None) -> list[tuple[str, list[Answer]]]:
    """The newsletter's questions, grouped, each with its answer text, computed with the cell functions."""
    groups: list[tuple[str, list[Answer]]] = []
    for ticker in ("IWM", "IWC"):
        dates, closes = sample.load(ticker, until)
        groups.append(
            (
                f"{ticker} six-day rally (to {dates[-1]})",
                [
                    ("return", _pct(cells.RALLY_RETURN(closes, 6))),
                    ("sigma", _sigma(cells.RALLY_SIGMA(closes, 6))),
                    ("percentile", _pct(cells.RALLY_PERCENTILE(closes, 6))),
                    ("episodes per century", _num(cells.EVENTS_PER_CENTURY(closes, 6, None, dates), 1)),
                    ("up days > 1%", _num(cells.UP_DAYS(closes, 6, 0.01), 0)),
                    ("biggest day", _pct(cells.MAX_DAILY_GAIN(closes, 6))),
                ],
            )
        )
    iwm, spy = _aligned("IWM", "SPY", until)
    groups.append(
        (
            "IWM/SPY relative strength",
            [
                ("6-day ratio change", _pct(cells.RATIO_CHANGE(iwm, spy, 6))),
                ("sigma", _sigma(cells.RATIO_SIGMA(iwm, spy, 6))),
                ("percentile", _pct(cells.RATIO_PERCENTILE(iwm, spy, 6))),
                (
                    "episodes per century",
                    _num(cells.EVENTS_PER_CENTURY([a / b for a, b in zip(iwm, spy, strict=True)], 6), 1),
                ),
            ],
        )
    )
    _, closes = sample.load("IWM", until)
    groups.append(
        (
            "IWM overbought",
            [
                ("RSI(14)", _num(cells.RSI(closes, 14), 1)),
                ("MA sigma (50)", _sigma(cells.MA_SIGMA(closes, 50))),
                ("overbought percentile", _pct(cells.OVERBOUGHT_PERCENTILE(closes, 50))),
            ],
        )
    )
    for ticker in ("IWC", "MDY", "IWM"):
        dates, closes = sample.load(ticker, until)
        groups.append(
            (
                f"{ticker} bear market watch (to {dates[-1]})",
                [
                    ("drawdown", _pct(cells.DRAWDOWN(closes))),
                    ("bear line (−20%)", _num(cells.BEAR_LINE(closes, 0.2))),
                    ("last close", _num(closes[-1])),
                    ("state", str(cells.MARKET_STATE(closes))),
                ],
            )
        )
    dates, spread = sample.load("T10Y2Y", until)
    groups.append(
        (
            f"10y−2y curve (to {dates[-1]})",
            [
                ("spread", _num(spread[-1] if spread[-1] is not None else "blank")),
                ("state", str(cells.CURVE_STATE(spread, dates))),
                ("since", _date(cells.CURVE_SINCE(spread, dates))),
            ],
        )
    )
    dates, rates = sample.load("UNRATE", until)
    groups.append((f"Sahm rule (to {dates[-1]:%Y-%m})", [("reading", _num(cells.SAHM_RULE(rates)))]))
    return groups


def analogs(until: dt.date | None) -> list[list[float | str]] | str:
    dates, closes = sample.load("IWM", until)
    return cells.RALLY_ANALOGS(closes, dates, 6)


def _print_groups(title: str, groups: list[tuple[str, list[Answer]]], write: Callable[[str], None]) -> None:
    write(f"\n== {title} ==")
    for heading, rows in groups:
        write(f"\n{heading}")
        for label, text in rows:
            write(f"  {label:<24} {text}")


def _print_analogs(table: list[list[float | str]] | str, write: Callable[[str], None], shown: int = 12) -> None:
    write("\nIWM: after six-day moves like this one, did the rally have legs?")
    if isinstance(table, str):
        write(f"  {table}")
        return
    episodes = table[1:-2]
    if len(episodes) > shown:
        write(f"  ({len(episodes)} earlier episodes; the latest {shown} are shown, the summary covers all)")
    write("  " + "".join(f"{h!s:>12}" for h in table[0]))
    for row in episodes[-shown:] + table[-2:]:
        first = _date(row[0]) if isinstance(row[0], float) else str(row[0])
        write("  " + f"{first:>12}" + "".join(f"{_pct(v) if v != '' else '':>12}" for v in row[1:]))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        help=f"replay one day only (YYYY-MM-DD); default: the newsletter's day {NEWSLETTER_DAY} and the latest data",
    )


def run(args: argparse.Namespace) -> int:
    days = [args.as_of] if args.as_of else [NEWSLETTER_DAY, None]
    for day in days:
        title = f"as of {day}" if day else "latest data in the bundled sample"
        _print_groups(title, answers(day), print)
        _print_analogs(analogs(day), print)
    print("\nData: bundled sample (addin/sample/SOURCES.md). Prices: Yahoo Finance (personal use); rates: FRED.")
    return 0
