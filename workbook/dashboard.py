"""The Dashboard sheet: the newsletter's questions answered with Lazarus formulas, a table of historical analogs,
native charts and the chart data behind them. Every number is a formula over the as-of names of data_sheets, so
setting the as-of cell replays the whole sheet on a past day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from udfs.reports import ANALOG_HORIZONS, analog_header
from workbook.data_sheets import AS_OF_NAME, DATE_FORMAT
from workbook.model import Book, Chart, ChartSeries, Sheet

SHEET = "Dashboard"
AS_OF_CELL = (3, 2)  # B3
PCT = "0.00%"
PCT1 = "0.0%"
SIGMA = '0.00"σ"'
COUNT = "0"
PRICE = "0.00"
PER_CENTURY = "0.0"

ANALOGS = "RALLY_ANALOGS(IWM,PRICE_DATES,6)"
ANALOG_ROWS = "ANALOG_ROWS"  # defined name: rows of the analog table (header + episodes + 2 summary rows)
ANALOGS_SHOWN = 10
CHART_DAYS = 252
CHART_FIRST_COLUMN = 27  # AA


@dataclass(frozen=True)
class Answer:
    """One dashboard row: a label and, per ticker column, a formula template; `{t}` is the ticker's name and
    `{col}` the letter of its column (to refer to another answer in the same column)."""

    key: str
    label: str
    formula: str
    number_format: str


@dataclass(frozen=True)
class Section:
    title: str
    tickers: tuple[str, ...]
    answers: tuple[Answer, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "Small caps: the six-day rally",
        ("IWM", "IWC"),
        (
            Answer("return", "Six-day return", "=RALLY_RETURN({t},6)", PCT),
            Answer("sigma", "Sigma of the move", "=RALLY_SIGMA({t},6)", SIGMA),
            Answer("percentile", "Percentile among all six-day moves", "=RALLY_PERCENTILE({t},6)", PCT1),
            Answer(
                "per_century",
                "Moves this big per century",
                "=EVENTS_PER_CENTURY({t},6,{col}{return},PRICE_DATES)",
                PER_CENTURY,
            ),
            Answer("up_days", "Days up more than 1% (of six)", "=UP_DAYS({t},6,0.01)", COUNT),
            Answer("biggest_day", "Biggest daily gain", "=MAX_DAILY_GAIN({t},6)", PCT),
        ),
    ),
    Section(
        "Relative strength: IWM / SPY",
        ("IWM",),
        (
            Answer("ratio_change", "Six-day change of IWM/SPY", "=RATIO_CHANGE(IWM,SPY,6)", PCT),
            Answer("ratio_sigma", "Sigma of the change", "=RATIO_SIGMA(IWM,SPY,6)", SIGMA),
            Answer("ratio_percentile", "Percentile of the change", "=RATIO_PERCENTILE(IWM,SPY,6)", PCT1),
        ),
    ),
    Section(
        "How overbought",
        ("IWM",),
        (
            Answer("rsi", "RSI (14 days)", "=RSI({t},14)", "0.0"),
            Answer("ma_sigma", "Distance from 50-day average", "=MA_SIGMA({t},50)", SIGMA),
            Answer("overbought_percentile", "Percentile of that distance", "=OVERBOUGHT_PERCENTILE({t},50)", PCT1),
        ),
    ),
    Section(
        "Bear-market watch",
        ("IWC", "MDY", "IWM"),
        (
            # No close to the as-of date (IWC starts in 2024): say so, never MAXIFS's 0 (which reads 1899-12-30).
            Answer(
                "data_to",
                "Latest close on",
                '=IF(COUNT({t})=0,"no data by then",MAXIFS(PRICE_DATES,{t},">0"))',
                DATE_FORMAT,
            ),
            Answer("close", "Latest close", "=INDEX({t},MATCH({col}{data_to},PRICE_DATES,0))", PRICE),
            Answer("drawdown", "Drawdown from the high", "=DRAWDOWN({t})", PCT),
            Answer("bear_line", "Bear-market line (20% below the high)", "=BEAR_LINE({t},0.2)", PRICE),
            Answer("state", "Market state", "=MARKET_STATE({t})", "@"),
        ),
    ),
    Section(
        "Yield curve: 10-year minus 2-year",
        ("T10Y2Y",),
        (
            # LOOKUP of a huge number returns the last number in the range, skipping holiday blanks.
            Answer("spread", "Latest spread (percentage points)", "=LOOKUP(9.99E+307,{t})", "0.00"),
            Answer("curve_state", "Curve state", "=CURVE_STATE({t},RATE_DATES)", "@"),
            Answer("curve_since", "In that state since", "=CURVE_SINCE({t},RATE_DATES)", DATE_FORMAT),
        ),
    ),
    Section(
        "Macro",
        ("",),
        (
            Answer("sahm", "Sahm rule (≥ 0.50 signals a recession)", "=SAHM_RULE(UNRATE)", "0.00"),
            Answer(
                "hy_percentile", "High-yield spread: percentile in its history", "=PERCENTILE_RANK(HY_SPREAD)", PCT1
            ),
            Answer("claims_percentile", "Initial claims: percentile in their history", "=PERCENTILE_RANK(ICSA)", PCT1),
        ),
    ),
)


def _chart_rows(sheet: Sheet) -> list[Chart]:
    """Chart data for the CHART_DAYS observations up to the as-of date, then the charts that plot it.

    Each data column is ONE legacy array formula over its CHART_DAYS cells (SPEC.md "Series"): the series function
    reads the history once and returns the last CHART_DAYS rows, where one formula per row would read it once per
    row. `IFERROR(x*1,NA())` turns a blank row (no observation that day) into #N/A, which a chart draws as a gap.
    """
    first = CHART_FIRST_COLUMN
    letters = [get_column_letter(first + i) for i in range(9)]
    headers = ["Date", "IWC", "IWC bear line", "IWM/SPY", "IWM RSI(14)", "", "Date", "10y−2y", "Zero"]
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
            "H3",
            column(0),
            (ChartSeries("IWC", column(1)), ChartSeries("Bear line (−20% from the high so far)", column(2))),
            "$",
            PRICE,
            y_scale="data",
        ),
        Chart("IWM / SPY", "Q3", column(0), (ChartSeries("IWM/SPY", column(3)),), "ratio", "0.000", y_scale="data"),
        Chart(
            "10-year minus 2-year Treasury",
            "H22",
            column(6),
            (ChartSeries("10y−2y", column(7)), ChartSeries("zero", column(8))),
            "percentage points",
            "0.00",
        ),
        Chart("IWM RSI (14 days)", "Q22", column(0), (ChartSeries("RSI", column(4)),), "RSI", "0", y_scale=(0, 100)),
    ]


def _analog_grid(book: Book, sheet: Sheet, row: int) -> int:
    """The last episodes of RALLY_ANALOGS (header, ANALOGS_SHOWN episodes, median, share up), cell by cell with
    INDEX so it works without dynamic-array spills (Excel 2016, LibreOffice, the headless engine)."""
    book.names[ANALOG_ROWS] = f"ROWS({ANALOGS})"
    sheet.put(row, 1, "IWM: after six-day moves like this one, did the rally have legs?", style="heading")
    sheet.put(row + 1, 1, "Earlier episodes (or why there are none)", style="label")
    sheet.put(row + 1, 2, f"=IF({ANALOG_ROWS}<4,{ANALOGS},{ANALOG_ROWS}-3)", COUNT)
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
            number_format = DATE_FORMAT if column == 1 and k <= ANALOGS_SHOWN else PCT1
            sheet.put(target, column, f'=IF({guard},"",INDEX({ANALOGS},{index},{column}))', number_format)
        book.answers[f"analog_{k}"] = (SHEET, f"A{target}")
    return row + 2 + ANALOGS_SHOWN + 3


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
        f'=IF({AS_OF_NAME}>MAX(ALL_PRICE_DATES),"after the latest price data",'
        f'IF({AS_OF_NAME}<MIN(ALL_PRICE_DATES),"before the first price data",""))',
        style="note",
    )
    book.names[AS_OF_NAME] = f"'{SHEET}'!$B$3"
    book.answers["as_of"] = (SHEET, "B3")
    sheet.widths.update({"A": 44, "B": 13, "C": 13, "D": 13, "E": 13, "F": 13})
    row = 5
    for section in SECTIONS:
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
                formula = answer.formula.format(t=ticker, col=letter, **{k: v for k, v in positions.items()})
                sheet.put(row, 2 + index, formula, answer.number_format)
                key = f"{ticker.lower()}_{answer.key}" if ticker else answer.key
                book.answers[key] = (SHEET, f"{letter}{row}")
            row += 1
        row += 1
    row = _analog_grid(book, sheet, row)
    sheet.put(row + 1, 1, "Methods and data sources: see the Methods sheet.", style="note")
    sheet.print_area = f"A1:Y{row + 1}"
    sheet.charts.extend(_chart_rows(sheet))
    return sheet
