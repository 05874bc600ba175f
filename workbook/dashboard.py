"""The Dashboard sheet: the newsletter's questions answered with Lazarus formulas, a table of historical analogs,
native charts and the chart data behind them. Every number is a formula over the as-of names (workbook.names), so
setting the as-of cell replays the whole sheet on a past day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from udfs.cells import EASING_CYCLES
from udfs.policy import EASING_HEADER, event_header
from udfs.reports import ANALOG_HORIZONS, analog_header
from workbook.data_sheets import DATE_FORMAT
from workbook.freshness import data_to, oldest_data_to, stale, stale_after_days, stale_text
from workbook.model import Book, Chart, ChartSeries, Sheet
from workbook.names import (
    ANALOG_ROWS,
    ANALOG_TABLE,
    ANALOG_WINDOW,
    AS_OF,
    EASING_TABLE,
    EVENT_BLOCKS,
    UNRATE_KNOWN,
    UNRATE_KNOWN_OK,
    VINTAGE_MONTHS,
    computed_tables,
    dashboard_names,
    events_name,
    rows_name,
)
from workbook.vintage_sheet import PUBLISHED_ON, REVISED_RULE

SHEET = "Dashboard"
AS_OF_CELL = (3, 2)  # B3
PCT = "0.00%"
PCT1 = "0.0%"
SIGMA = '0.00"σ"'
COUNT = "0"
PRICE = "0.00"
PER_CENTURY = "0.0"

ANALOGS_SHOWN = 10
# A six-day move within 2 sample standard deviations of the mean is an ordinary day: its per-century count and its
# "earlier episodes" (every move at least as big) say nothing, so the Dashboard says so instead (SPEC.md).
UNREMARKABLE_SIGMA = 2
CHART_DAYS = 252
CHART_FIRST_COLUMN = 27  # AA
CHART_COLUMN = 8  # H: the charts stand beside the answers, two per printed page
CHART_ROWS = 18  # rows a chart (8.5 cm) and the gap below it take
COMPUTED_TABLES_COLUMN = CHART_FIRST_COLUMN + 11  # AL: right of the chart data, off the printed page
# The ICE BofA spread is licensed data: not in the bundled sample, fetched by `lazarus refresh`.
NO_HY_SPREAD = "not in the bundled sample (licensed ICE data)"
# The Sahm rule on UNRATE as published on the latest stored vintage day by the as-of day (workbook.vintage_sheet,
# workbook.names),
# shown where it differs from the revised figure above it; a vintage older than the latest month published by the
# as-of day is not what was known that day (UNRATE_KNOWN_OK is FALSE), and says so.
SAHM_KNOWN = (
    f"=IFERROR(IF({UNRATE_KNOWN_OK},"
    f'IF(ROUND(SAHM_RULE({UNRATE_KNOWN}),2)=ROUND(SAHM_RULE(UNRATE),2),"same as revised",SAHM_RULE({UNRATE_KNOWN})),'
    '"no vintage stored for the latest month"),'
    '"no vintage stored by then")'
)
SAHM_KNOWN_FROM = (
    f'=IFERROR("UNRATE to "&TEXT(MAXIFS({VINTAGE_MONTHS},{UNRATE_KNOWN},">0"),"yyyy-mm")&" as published "'
    f'&{PUBLISHED_ON},"{REVISED_RULE}")'
)


# No close to the as-of date (IWC starts in 2005): say so, never MAXIFS's 0 (which reads 1899-12-30).
_DATA_TO = '=IF(COUNT({t})=0,"no data by then",MAXIFS(PRICE_DATES,{t},">0"))'
# The first day the series reached its highest value by the as-of date.
_HIGH_ON = '=IF(COUNT({series})=0,"no data by then",INDEX(PRICE_DATES,MATCH(MAX({series}),{series},0)))'
_STATE = '=IF(COUNT({{t}})=0,"no data by then",IF({{stale}},{{stale_text}},MARKET_STATE({{t}}{highs})))'


@dataclass(frozen=True)
class Answer:
    """One dashboard row: a label and, per ticker column, a formula template; `{t}` is the ticker's name,
    `{col}` the letter of its column (to refer to another answer in the same column), `{stale}` the test that the
    ticker's data are STALE on the as-of day and `{stale_text}` what the answer then reads (workbook.freshness)."""

    key: str
    label: str
    formula: str
    number_format: str
    # The data columns it rests on (may use {t}), in a one-column section: the date they reach is shown beside the
    # answer, which reads STALE on data older than they explain. (A section of several columns has a "Latest … on"
    # row instead.)
    data: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    tickers: tuple[str, ...]
    answers: tuple[Answer, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "Small caps: the six-day rally",
        # Return statistics rest on the dividend-adjusted IWC (2005 on): the raw IWC in the sample is one year long,
        # and a year of six-day moves is no base for a sigma or a per-century count. Price levels use the raw IWC.
        ("IWM", "IWC_ADJ"),
        (
            Answer("return", "Six-day return", "=RALLY_RETURN({t},6)", PCT),
            Answer("sigma", "Sigma of the move", "=RALLY_SIGMA({t},6)", SIGMA),
            Answer("percentile", "Percentile among all six-day moves", "=RALLY_PERCENTILE({t},6)", PCT1),
            Answer(
                "per_century",
                "Moves this big per century",
                f'=IF(ABS({{col}}{{sigma}})<{UNREMARKABLE_SIGMA},"unremarkable: |σ| < {UNREMARKABLE_SIGMA}",'
                "EVENTS_PER_CENTURY({t},6,{col}{return},PRICE_DATES))",
                PER_CENTURY,
            ),
            Answer("up_days", "Days up more than 1% (of six)", "=UP_DAYS({t},6,0.01)", COUNT),
            Answer("biggest_day", "Biggest daily gain", "=MAX_DAILY_GAIN({t},6)", PCT),
            Answer("data_to", "Latest close on", _DATA_TO, DATE_FORMAT),
        ),
    ),
    Section(
        "Relative strength: IWM / SPY",
        ("IWM",),
        (
            Answer("ratio_change", "Six-day change of IWM/SPY", "=RATIO_CHANGE(IWM,SPY,6)", PCT, data=("{t}", "SPY")),
            Answer("ratio_sigma", "Sigma of the change", "=RATIO_SIGMA(IWM,SPY,6)", SIGMA, data=("{t}", "SPY")),
            Answer(
                "ratio_percentile",
                "Percentile of the change",
                "=RATIO_PERCENTILE(IWM,SPY,6)",
                PCT1,
                data=("{t}", "SPY"),
            ),
        ),
    ),
    Section(
        "How overbought",
        ("IWM",),
        (
            Answer("rsi", "RSI (14 days)", "=RSI({t},14)", "0.0", data=("{t}",)),
            Answer("ma_sigma", "Distance from 50-day average", "=MA_SIGMA({t},50)", SIGMA, data=("{t}",)),
            Answer(
                "overbought_percentile",
                "Percentile of that distance",
                "=OVERBOUGHT_PERCENTILE({t},50)",
                PCT1,
                data=("{t}",),
            ),
        ),
    ),
    Section(
        "Bear-market watch",
        ("IWC", "MDY", "IWM"),
        (
            Answer("data_to", "Latest close on", _DATA_TO, DATE_FORMAT),
            Answer("close", "Latest close", "=INDEX({t},MATCH({col}{data_to},PRICE_DATES,0))", PRICE),
            # Every level rests on a high: the day it was set is shown with it.
            Answer("high", "Highest close", "=MAX({t})", PRICE),
            Answer("high_on", "Highest close on", _HIGH_ON.format(series="{t}"), DATE_FORMAT),
            Answer("drawdown", "Drawdown from the highest close", "=DRAWDOWN({t})", PCT),
            Answer("bear_line", "Bear-market line (20% below the highest close)", "=BEAR_LINE({t},0.2)", PRICE),
            Answer("above_line", "Close above the line by", "={col}{close}/{col}{bear_line}-1", PCT),
            # Honest numbers: data older than their series explains have no market state (SPEC.md, STALE).
            Answer("state", "Market state (needs a year of closes)", _STATE.format(highs=""), "@"),
        ),
    ),
    # The newsletter's title question: "Microcaps threatening to rise from bear-market territory (127.7$ level)".
    # 127.7 is 0.8 × IWC's 159.56 intraday high of 2021-03-15; 0.8 × its highest close (158.51) is 126.81.
    Section(
        "The newsletter's 127.7$ level: IWC's bear line from its highest close and its intraday high",
        ("IWC",),
        (
            Answer("level_data_to", "Latest close on", _DATA_TO, DATE_FORMAT),
            Answer("level_close", "Latest close", "=INDEX({t},MATCH({col}{level_data_to},PRICE_DATES,0))", PRICE),
            Answer("level_close_high_on", "Highest close on", _HIGH_ON.format(series="{t}"), DATE_FORMAT),
            Answer("level_close_line", "Bear line from the highest close", "=BEAR_LINE({t},0.2)", PRICE),
            Answer(
                "level_close_above", "Close above that line by", "={col}{level_close}/{col}{level_close_line}-1", PCT
            ),
            Answer("level_intraday_high", "Highest intraday high", "=MAX({t}_HIGH)", PRICE),
            Answer(
                "level_intraday_high_on", "Highest intraday high on", _HIGH_ON.format(series="{t}_HIGH"), DATE_FORMAT
            ),
            Answer("level_intraday_line", "Bear line from the intraday high", "=BEAR_LINE({t},0.2,{t}_HIGH)", PRICE),
            Answer(
                "level_intraday_above",
                "Close above that line by",
                "={col}{level_close}/{col}{level_intraday_line}-1",
                PCT,
            ),
            Answer("level_state", "Market state (from the intraday high)", _STATE.format(highs=",{t}_HIGH"), "@"),
        ),
    ),
    Section(
        "Yield curve: 10-year minus 2-year",
        ("T10Y2Y",),
        (
            # LOOKUP of a huge number returns the last number in the range, skipping holiday blanks.
            Answer("spread", "Latest spread (percentage points)", "=LOOKUP(9.99E+307,{t})", "0.00", data=("{t}",)),
            Answer("curve_state", "Curve state", "=CURVE_STATE({t},RATE_DATES)", "@", data=("{t}",)),
            Answer(
                "curve_since",
                "Turned on (inversion start, or its end)",
                "=CURVE_SINCE({t},RATE_DATES)",
                DATE_FORMAT,
                data=("{t}",),
            ),
        ),
    ),
    Section(
        "Macro",
        ("",),
        (
            Answer(
                "sahm",
                "Sahm rule, revised data (≥ 0.50 signals a recession)",
                "=SAHM_RULE(UNRATE)",
                "0.00",
                data=("UNRATE",),
            ),
            # As first published: the stored vintage of the as-of day (Vintages sheet), shown where it differs.
            Answer("sahm_known", "Sahm rule as known that day", SAHM_KNOWN, "0.00"),
            Answer("sahm_rule", "Sahm rule as known that day: from", SAHM_KNOWN_FROM, "@"),
            Answer(
                "hy_percentile",
                "High-yield spread: percentile in its history",
                f'=IF(IFERROR(COUNT(HY_SPREAD),0)<2,"{NO_HY_SPREAD}",PERCENTILE_RANK(HY_SPREAD))',
                PCT1,
                data=("HY_SPREAD",),
            ),
            Answer(
                "claims_percentile",
                "Initial claims: percentile in their history",
                "=PERCENTILE_RANK(ICSA)",
                PCT1,
                data=("ICSA",),
            ),
        ),
    ),
)


# --- The rest of the newsletter (issue 13) ---------------------------------------------------------------------

NEWSLETTER_SECTIONS: tuple[Section, ...] = (
    Section(
        "Rotation and breadth, against SPY",
        ("XLF", "XLRE", "RSP"),
        (
            Answer("six_day", "Six-day return", "=RALLY_RETURN({t},6)", PCT),
            Answer(
                "ratio_change",
                "Six-day change of the ratio to SPY",
                "=RATIO_CHANGE({t},SPY,6)",
                PCT,
            ),
            Answer("ratio_sigma", "Sigma of that change", "=RATIO_SIGMA({t},SPY,6)", SIGMA),
            Answer(
                "ratio_percentile",
                "Percentile of that change",
                "=RATIO_PERCENTILE({t},SPY,6)",
                PCT1,
            ),
            # Honest numbers: the history each rarity figure rests on.
            Answer("history_from", "History from", '=MINIFS(PRICE_DATES,{t},">0")', DATE_FORMAT),
            Answer("observations", "Observations", "=COUNT({t})", COUNT),
            Answer("data_to", "Latest close on", _DATA_TO, DATE_FORMAT),
        ),
    ),
    Section(
        "Macro: jobs, housing, construction, credit",
        ("",),
        (
            Answer("unrate_month", "Latest unemployment month", '=MAXIFS(MONTH_DATES,UNRATE,">0")', DATE_FORMAT),
            Answer(
                "unrate_quarter",
                "Unemployment rate: change over 3 months",
                "=PERIOD_CHANGE(UNRATE,MONTH_DATES,3)",
                PCT1,
                data=("UNRATE",),
            ),
            Answer(
                "unrate_quarter_pp",
                "Unemployment rate: change over 3 months, points",
                "=PERIOD_CHANGE(UNRATE,MONTH_DATES,3,1,1)",
                "0.00",
                data=("UNRATE",),
            ),
            Answer("claims_week", "Latest claims week", '=MAXIFS(WEEK_DATES,ICSA,">0")', DATE_FORMAT),
            Answer(
                "claims_year",
                "Initial claims, 4-week average vs a year earlier",
                "=PERIOD_CHANGE(ICSA,WEEK_DATES,52,4)",
                PCT1,
                data=("ICSA",),
            ),
            Answer(
                "claims_month",
                "Initial claims, 4-week average vs 4 weeks earlier",
                "=PERIOD_CHANGE(ICSA,WEEK_DATES,4,4)",
                PCT1,
                data=("ICSA",),
            ),
            Answer("houst_month", "Latest housing-starts month", '=MAXIFS(ACTIVITY_DATES,HOUST,">0")', DATE_FORMAT),
            Answer(
                "houst_6",
                "Housing starts: change over 6 months",
                "=PERIOD_CHANGE(HOUST,ACTIVITY_DATES,6)",
                PCT1,
                data=("HOUST",),
            ),
            Answer(
                "houst_12",
                "Housing starts: change over 12 months",
                "=PERIOD_CHANGE(HOUST,ACTIVITY_DATES,12)",
                PCT1,
                data=("HOUST",),
            ),
            Answer(
                "ttlcons_6",
                "Construction spending: change over 6 months",
                "=PERIOD_CHANGE(TTLCONS,ACTIVITY_DATES,6)",
                PCT1,
                data=("TTLCONS",),
            ),
            Answer(
                "ttlcons_12",
                "Construction spending: change over 12 months",
                "=PERIOD_CHANGE(TTLCONS,ACTIVITY_DATES,12)",
                PCT1,
                data=("TTLCONS",),
            ),
            Answer(
                "hy_spread",
                "High-yield spread (percentage points)",
                f'=IF(IFERROR(COUNT(HY_SPREAD),0)=0,"{NO_HY_SPREAD}",LOOKUP(9.99E+307,HY_SPREAD))',
                "0.00",
                data=("HY_SPREAD",),
            ),
        ),
    ),
)

# After each first cut: what IWM/SPY, MDY/SPY and SPY did (names.EVENT_BLOCKS).
EASING_SHOWN = 10
EASING_SINCE = dt.date(1989, 1, 1)
HORIZON_WORDS = {21: "1m", 63: "3m", 126: "6m", 252: "12m"}


def easing_header() -> list[str]:
    return ["First cut", *[f"{label} {HORIZON_WORDS[h]}" for label, _, _, hs in EVENT_BLOCKS for h in hs]]


def _easing_grid(book: Book, sheet: Sheet, row: int) -> tuple[int, str]:
    """The first cut of each easing cycle since the since cell, and what followed each, cell by cell with INDEX
    (like the analog grid): rows of EASING_CYCLES, then EVENT_RETURNS on the dates shown, then median and share up.
    The next free row and the since cell's absolute address (what EASING_TABLE starts from)."""
    sheet.put(
        row,
        1,
        "After each first rate cut: do small and mid caps outperform? Does a cut start a sell-off?",
        style="heading",
    )
    sheet.put(row + 1, 1, "Easing cycles since (type a date)", style="label")
    sheet.in_copy[(row + 1, 1)] = "Easing cycles since"
    sheet.put(row + 1, 2, EASING_SINCE, DATE_FORMAT, style="input")
    since = f"'{SHEET}'!$B${row + 1}"
    easing_rows = rows_name(EASING_TABLE)
    sheet.put(row + 2, 1, "Cycles found (or why there are none)", style="label")
    sheet.put(row + 2, 2, f"=IF({easing_rows}<2,INDEX({EASING_TABLE},1,1),{easing_rows}-1)", COUNT)
    book.answers["easing_count"] = (SHEET, f"B{row + 2}")
    sheet.put(
        row + 3,
        1,
        "Fed target: DFEDTAR to 2008, then the upper limit DFEDTARU; dated the day the series changes.",
        style="note",
    )
    header_row = row + 4
    sheet.put_row(header_row, easing_header(), style="header")
    first = header_row + 1
    last = first + EASING_SHOWN - 1
    for k in range(1, EASING_SHOWN + 1):
        target = first + k - 1
        sheet.put(target, 1, f'=IF({easing_rows}<{k + 1},"",INDEX({EASING_TABLE},{k + 1},1))', DATE_FORMAT)
        book.answers[f"easing_{k}"] = (SHEET, f"A{target}")
    column = 2
    for index, (_, _, _, horizons) in enumerate(EVENT_BLOCKS):
        name = events_name(index)
        for offset in range(len(horizons)):
            for k in range(1, EASING_SHOWN + 1):
                target = first + k - 1
                formula = f'=IF($A{target}="","",INDEX({name},{k + 1},{offset + 3}))'
                sheet.put(target, column + offset, formula, PCT1)
            rows = rows_name(name)
            sheet.put(last + 1, column + offset, f'=IF($A{first}="","",INDEX({name},{rows}-1,{offset + 3}))', PCT1)
            sheet.put(last + 2, column + offset, f'=IF($A{first}="","",INDEX({name},{rows},{offset + 3}))', PCT1)
            # N: the cuts with a return in this column (its numbers, less the median and share below them).
            counted = f'=IF($A{first}="","",MAX(0,COUNT(INDEX({name},0,{offset + 3}))-2))'
            sheet.put(last + 3, column + offset, counted, COUNT)
            book.answers[f"easing_n_{index + 1}_{offset + 1}"] = (
                SHEET,
                f"{get_column_letter(column + offset)}{last + 3}",
            )
        column += len(horizons)
    sheet.put(last + 1, 1, "Median", style="label")
    sheet.put(last + 2, 1, "Share positive", style="label")
    sheet.put(last + 3, 1, "N (cuts with a return)", style="label")
    # A row blank in every column is a cut before every series' first close: say so rather than leave it unexplained.
    starts = '&", "&'.join(
        f'"{top} from "&TEXT(MINIFS(PRICE_DATES,{top},">0"),"yyyy-mm-dd")' for top in ("IWM", "MDY", "SPY")
    )
    sheet.put(last + 4, 1, f'="A blank cell is a cut before the series\' data: "&{starts}', style="note")
    for letter in "BCDEFGHIJK":
        sheet.widths[letter] = 13
    return last + 6, since


def _fresh_or_stale(formula: str, reach: str, names: tuple[str, ...]) -> str:
    """`formula`, or "STALE: data to …" when the date in the cell `reach` (the oldest newest date of `names`) is
    older than they explain on the as-of day; a series with no data at all is left to the formula, which says why."""
    limits = {stale_after_days(name) for name in names}
    if len(limits) != 1:  # one date cell can carry one rule; mixed series need freshness.stale's test per series
        raise ValueError(f"{', '.join(names)} have different STALE rules: date them one by one")
    (limit,) = limits
    body = formula.removeprefix("=")
    return f'=IF({reach}="",{body},IF({AS_OF}-{reach}>{limit},{stale_text(reach)},{body}))'


def _computed_tables(book: Book, sheet: Sheet, since: str) -> dict[str, tuple[str, str]]:
    """Each of names.computed_tables computed once into a block of cells right of the chart data (one legacy array
    formula), with its number of rows in the cell above it: name -> the absolute addresses of the block and of that
    cell. Each block is as tall as its table can be on these data: a cycle starts after `quiet_days` (183) without a
    cut, so there are at most policy days / 183 + 1 cycles; EVENT_RETURNS adds a median and a share row; analogs
    never overlap."""
    days = _last_row(book, "PolicyTable") - 1
    quiet = next(a.default for a in EASING_CYCLES.declaration.arguments if a.name == "quiet_days")
    cycles = days // quiet + 1
    # Analogs never overlap: at most one per ANALOG_WINDOW prices, plus the header and the two summary rows.
    analogs = (_last_row(book, "PricesTable") - 1) // ANALOG_WINDOW + 1
    shapes = {
        ANALOG_TABLE: (1 + analogs + 2, len(analog_header(ANALOG_HORIZONS))),
        EASING_TABLE: (1 + cycles, len(EASING_HEADER)),
    }
    for index, (_, _, _, horizons) in enumerate(EVENT_BLOCKS):
        shapes[events_name(index)] = (1 + cycles + 2, len(event_header(horizons)))
    column = COMPUTED_TABLES_COLUMN
    sheet.put(1, column - 1, "Tables the grids read: rows, then the table", style="note")
    addresses = {}
    for name, formula in computed_tables(since).items():
        height, width = shapes[name]
        sheet.put(1, column, f"=ROWS({formula})", COUNT)
        sheet.put_block(2, column, height, width, f"={formula}")
        first, last = get_column_letter(column), get_column_letter(column + width - 1)
        addresses[name] = (f"'{SHEET}'!${first}$2:${last}${height + 1}", f"'{SHEET}'!${first}$1")
        column += width + 1
    return addresses


def _last_row(book: Book, table: str) -> int:
    """The last row of a data table (its data rows end there); 2 when the book has no such table."""
    refs = [t.ref for sheet in book.sheets for t in sheet.tables if t.name == table]
    return int(re.sub(r"^.*[A-Z]", "", refs[0])) if refs else 2


def _answer_rows(book: Book, sheet: Sheet, sections: tuple[Section, ...], row: int) -> int:
    for section in sections:
        sheet.put(row, 1, section.title, style="heading")
        if any(section.tickers) and len(section.tickers) > 1:
            sheet.put_row(row, list(section.tickers), 2, style="header")
        row += 1
        positions: dict[str, int] = {}
        for answer in section.answers:
            positions[answer.key] = row
            sheet.put(row, 1, answer.label, style="label")
            for index, ticker in enumerate(section.tickers):
                letter = get_column_letter(2 + index)
                fresh = {}
                if "{stale" in answer.formula:
                    fresh = {"stale": stale((ticker,)), "stale_text": stale_text(data_to(ticker))}
                formula = answer.formula.format(t=ticker, col=letter, **positions, **fresh)
                key = f"{ticker.lower()}_{answer.key}" if ticker else answer.key
                if answer.data:  # the date the answer's data reach, beside it, and the STALE rule on it
                    if len(section.tickers) > 1:
                        raise ValueError(f"{answer.key}: a section of several columns dates its answers in a row")
                    names = tuple(name.format(t=ticker) for name in answer.data)
                    reach = oldest_data_to(names)
                    sheet.put(row, 3, f'=IF({reach}=0,"",{reach})', DATE_FORMAT, style="note")
                    book.answers[f"{key}_data_to"] = (SHEET, f"C{row}")
                    formula = _fresh_or_stale(formula, f"C{row}", names)
                sheet.put(row, 2 + index, formula, answer.number_format)
                book.answers[key] = (SHEET, f"{letter}{row}")
            row += 1
        row += 1
    return row


def _chart_rows(sheet: Sheet, anchors: tuple[str, str, str, str]) -> list[Chart]:
    """Chart data for the CHART_DAYS observations up to the as-of date, then the charts that plot it.

    Each data column is ONE legacy array formula over its CHART_DAYS cells (SPEC.md "Series"): the series function
    reads the history once and returns the last CHART_DAYS rows, where one formula per row would read it once per
    row. `IFERROR(x*1,NA())` turns a blank row (no observation that day) into #N/A, which a chart draws as a gap.
    """
    first = CHART_FIRST_COLUMN
    letters = [get_column_letter(first + i) for i in range(9)]
    headers = [
        "Date",
        "IWC",
        "IWC bear line",
        "IWM/SPY",
        "IWM RSI(14)",
        "IWC line (intraday)",
        "Date",
        "10y−2y",
        "Zero",
    ]
    sheet.put(1, first - 1, "Chart data: the 252 observations to the as-of date", style="note")
    sheet.put_row(1, headers, first, style="header")

    def gaps_as_na(series: str) -> str:
        return f"=IFERROR({series}*1,NA())"

    columns = {
        0: (gaps_as_na(f"LAST_ROWS(PRICE_DATES,{CHART_DAYS})"), DATE_FORMAT),
        1: (gaps_as_na(f"LAST_ROWS(IWC,{CHART_DAYS})"), PRICE),
        2: (gaps_as_na(f"BEAR_LINE_SERIES(IWC,0.2,{CHART_DAYS})"), PRICE),
        3: (gaps_as_na(f"RATIO_SERIES(IWM,SPY,{CHART_DAYS})"), "0.0000"),
        4: (gaps_as_na(f"RSI_SERIES(IWM,14,{CHART_DAYS})"), "0.0"),
        5: (gaps_as_na(f"BEAR_LINE_SERIES(IWC,0.2,{CHART_DAYS},IWC_HIGH)"), PRICE),
        6: (gaps_as_na(f"LAST_ROWS(RATE_DATES,{CHART_DAYS})"), DATE_FORMAT),
        7: (gaps_as_na(f"LAST_ROWS(T10Y2Y,{CHART_DAYS})"), "0.00"),
        8: ("=0", "0.00"),
    }
    for offset, (formula, number_format) in columns.items():
        sheet.put_array(2, first + offset, CHART_DAYS, formula, number_format)
    for offset in range(9):
        sheet.widths[letters[offset]] = 11

    def column(offset: int) -> str:
        return f"'{SHEET}'!${letters[offset]}$2:${letters[offset]}${CHART_DAYS + 1}"

    return [
        Chart(
            "IWC and its bear-market line",
            anchors[0],
            column(0),
            (
                ChartSeries("IWC", column(1)),
                ChartSeries("Bear line (−20% from the highest close so far)", column(2)),
                ChartSeries("Bear line (−20% from the highest intraday high so far)", column(5)),
            ),
            "$",
            PRICE,
            y_scale="data",
        ),
        Chart(
            "IWM / SPY", anchors[1], column(0), (ChartSeries("IWM/SPY", column(3)),), "ratio", "0.000", y_scale="data"
        ),
        Chart(
            "10-year minus 2-year Treasury",
            anchors[2],
            column(6),
            (ChartSeries("10y−2y", column(7)), ChartSeries("zero", column(8))),
            "percentage points",
            "0.00",
        ),
        Chart(
            "IWM RSI (14 days)", anchors[3], column(0), (ChartSeries("RSI", column(4)),), "RSI", "0", y_scale=(0, 100)
        ),
    ]


def _analog_grid(book: Book, sheet: Sheet, row: int) -> int:
    """The last episodes of RALLY_ANALOGS (header, ANALOGS_SHOWN episodes, median, share up; ANALOG_ROWS rows in
    all), cell by cell with INDEX into ANALOG_TABLE (see `_computed_tables`) so it works without dynamic-array
    spills (Excel 2016, LibreOffice, the headless engine)."""
    sheet.put(row, 1, "IWM: after six-day moves like this one, did the rally have legs?", style="heading")
    sheet.put(row + 1, 1, "Earlier episodes (or why there are none)", style="label")
    _, sigma = book.answers["iwm_sigma"]
    calm = f"ABS(${sigma[0]}${sigma[1:]})<{UNREMARKABLE_SIGMA}"  # an ordinary day has no analogs worth showing
    count = f"IF({ANALOG_ROWS}<4,INDEX({ANALOG_TABLE},1,1),{ANALOG_ROWS}-3)"
    sheet.put(row + 1, 2, f'=IF({calm},"unremarkable move (|σ| < {UNREMARKABLE_SIGMA}): no analogs",{count})', COUNT)
    last_shown = f'=IF({ANALOG_ROWS}-3>{ANALOGS_SHOWN},"the last {ANALOGS_SHOWN} are shown","")'
    sheet.put(row + 1, 3, last_shown, style="note")
    book.answers["analog_count"] = (SHEET, f"B{row + 1}")
    sheet.put_row(row + 2, analog_header(ANALOG_HORIZONS), style="header")
    for k in range(1, ANALOGS_SHOWN + 3):
        target = row + 2 + k
        if k <= ANALOGS_SHOWN:
            index = f"{ANALOG_ROWS}-{ANALOGS_SHOWN + 2 - k}"
            guard = f"{index}<2"
        else:
            index = f"{ANALOG_ROWS}-{ANALOGS_SHOWN + 2 - k}"
            guard = f"{ANALOG_ROWS}<4"
        for column in range(1, 7):
            if k == ANALOGS_SHOWN + 2 and column == 2:
                continue  # the share of moves that were up: 100% by construction, so not shown
            number_format = DATE_FORMAT if column == 1 and k <= ANALOGS_SHOWN else PCT1
            sheet.put(
                target, column, f'=IF(OR({calm},{guard}),"",INDEX({ANALOG_TABLE},{index},{column}))', number_format
            )
        book.answers[f"analog_{k}"] = (SHEET, f"A{target}")
    # N per column: the episodes with a value there (its numbers, less the median and share rows).
    counted_row = row + 2 + ANALOGS_SHOWN + 3
    sheet.put(counted_row, 1, "N (episodes with a return)", style="label")
    for column in range(2, 7):
        counted = f'=IF(OR({calm},{ANALOG_ROWS}<4),"",MAX(0,COUNT(INDEX({ANALOG_TABLE},0,{column}))-2))'
        sheet.put(counted_row, column, counted, COUNT)
    book.answers["analog_n"] = (SHEET, f"B{counted_row}")
    return counted_row + 1


def add_dashboard(book: Book, as_of: dt.date | None) -> Sheet:
    """Build the Dashboard sheet; `as_of` None makes the as-of cell follow the latest price date."""
    # Printed (and converted to PDF) as answers plus charts; the chart data to the right stays off the page.
    sheet = Sheet(SHEET)
    book.sheets.insert(0, sheet)
    sheet.put(1, 1, "Lazarus: the newsletter's questions, answered in cells", style="title")
    sheet.put(3, 1, "As of (type a date to replay a past day)", style="label")
    as_of_value = as_of if as_of is not None else "=MAX(ALL_PRICE_DATES)"
    sheet.put(*AS_OF_CELL, as_of_value, DATE_FORMAT, style="input")
    # An as-of outside the prices is said beside the as-of cell, not shown silently as the latest or as errors.
    sheet.put(
        AS_OF_CELL[0],
        AS_OF_CELL[1] + 1,
        f'=IF({AS_OF}>MAX(ALL_PRICE_DATES),"after the latest price data",'
        f'IF({AS_OF}<MIN(ALL_PRICE_DATES),"before the first price data",""))',
        style="note",
    )
    book.answers["as_of"] = (SHEET, "B3")
    sheet.widths.update({"A": 44, "B": 13, "C": 13, "D": 13, "E": 13, "F": 13})
    row = _answer_rows(book, sheet, SECTIONS, 5)
    analogs_row = row
    row = _analog_grid(book, sheet, row)
    row = _answer_rows(book, sheet, NEWSLETTER_SECTIONS, row + 1)
    easing_row = row
    row, easing_since = _easing_grid(book, sheet, row)
    as_of_cell = f"'{SHEET}'!${get_column_letter(AS_OF_CELL[1])}${AS_OF_CELL[0]}"
    book.names.update(dashboard_names(as_of_cell, _computed_tables(book, sheet, easing_since)))
    sheet.put(row + 1, 1, "Methods and data sources: see the Methods sheet.", style="note")
    # Printed on three A4 landscape pages at about 70%: the answers with two charts beside them, the analogs and the
    # rest of the newsletter with the other two, then the easing cycles; the title rows on each. The chart data stays
    # in the live workbook only.
    sheet.page_breaks = [analogs_row, easing_row]
    sheet.print_titles = "1:2"
    sheet.print_area = f"A1:{get_column_letter(CHART_COLUMN + 8)}{row + 1}"
    sheet.helper_columns = f"{get_column_letter(CHART_FIRST_COLUMN - 1)}:{get_column_letter(CHART_FIRST_COLUMN + 8)}"
    sheet.in_copy[(3, 1)] = "As of"
    anchor = get_column_letter(CHART_COLUMN)
    chart_rows = (3, 3 + CHART_ROWS, analogs_row, analogs_row + CHART_ROWS)
    sheet.charts.extend(_chart_rows(sheet, tuple(f"{anchor}{r}" for r in chart_rows)))
    return sheet
