"""The Claims sheet: each checkable sentence of the newsletter, its number, the Lazarus formula that measures it, the
measured number, a verdict, the date its data reach and how many cases a share or median rests on. Ordinary formulas
over the same as-of names as the Dashboard, so a user adds a row for the next newsletter by copying one.

A verdict on data older than their series explains reads STALE with that date (workbook.freshness); a share or a
median of fewer than MIN_CASES cases reads "too few (N)" (udfs/SPEC.md "Data dates, STALE and thin samples").

A claim on unemployment is measured on UNRATE as it was published by the as-of day where a stored vintage was known
then (UNRATE_KNOWN, the Vintages sheet), on today's revised data with publication delays else, by the Dashboard's own
test (UNRATE_KNOWN_OK); the "Data used" column says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook.freshness import oldest_data_to, stale, stale_after_days
from workbook.model import Book, Sheet
from workbook.names import AS_OF, UNRATE_KNOWN, UNRATE_KNOWN_OK, VINTAGE_MONTHS, VINTAGE_SERIES, event_returns
from workbook.vintage_sheet import PUBLISHED_ON, REVISED_RULE

SHEET = "Claims"
HEADER = [
    "Newsletter sentence",
    "Its number",
    "Lazarus formula",
    "Measured",
    "Verdict rule",
    "Verdict",
    "Data to",
    "N",
    "Data used",
]
# Fewer cases than this make a share or a median an anecdote, not a tendency: the verdict says "too few (N)".
MIN_CASES = 5
FIRST_ROW = 5
NO_HY_SPREAD_SHORT = "not in the bundled sample"  # the ICE spread is licensed data


@dataclass(frozen=True)
class Claim:
    key: str
    sentence: str
    number: float | None  # the newsletter's own number, if it gives one
    formula: str  # without "=": shown as text and computed in the Measured column
    rule: str  # the verdict rule in words
    verdict: str  # formula template; {m} is the Measured cell, {n} the number cell
    number_format: str = "0.0%"
    data: tuple[str, ...] = ()  # the data columns it rests on: the date they reach, and whether that is STALE
    cases: str = ""  # formula (no "=") for how many cases a share or median rests on; "" when it is not one
    # The formula on UNRATE as known on the as-of day (UNRATE_KNOWN and its months), measured instead of `formula`
    # where a stored vintage was known that day; "" for a claim on data without a vintage in the workbook.
    known: str = ""

    def __post_init__(self) -> None:
        if self.known and self.data != (VINTAGE_SERIES,):  # its Data to and STALE test read the vintage's dates
            raise ValueError(f"claim {self.key!r}: a formula as known that day rests on {VINTAGE_SERIES} alone")

    @property
    def measured(self) -> str:
        """The formula of the Measured cell (no "="), shown as text beside it."""
        if not self.known:
            return self.formula
        return f"IF({_KNOWN_USED},{self.known},{self.formula})"


# The Dashboard's test that a stored vintage is what was known on the as-of day, FALSE before the first one.
_KNOWN_USED = f"IFERROR({UNRATE_KNOWN_OK},FALSE)"


def _sign(test: str) -> str:
    return f'=IF(ISNUMBER({{m}}),IF({{m}}{test},"AGREES","DISAGREES"),"NO DATA")'


def _after_cuts(top: str, bottom: str, horizon: int, from_end: int) -> str:
    """A summary cell of EVENT_RETURNS after the first cuts of EASING_CYCLES (from_end 0: share positive, 1: median)."""
    table = event_returns(top, bottom, (horizon,))
    return f"INDEX({table},ROWS({table}){'-' + str(from_end) if from_end else ''},3)"


def _cuts_counted(top: str, bottom: str, horizon: int) -> str:
    """How many first cuts have a return at `horizon`: the numbers of the return column, less its median and share
    (numbers too when there is at least one case)."""
    table = event_returns(top, bottom, (horizon,))
    return f"MAX(0,COUNT(INDEX({table},0,3))-2)"


# Share of easing cycles (since the Dashboard's since date) after which the ratio rose over six months.
_IWM_SHARE = _after_cuts("IWM", "SPY", 126, 0)
_MDY_SHARE = _after_cuts("MDY", "SPY", 126, 0)
_SPY_MEDIAN = _after_cuts("SPY", "", 21, 1)

CLAIMS: tuple[Claim, ...] = (
    # The title: 127.7 is 0.8 × IWC's intraday high of 159.56 (2021-03-15), 127.65 printed to one decimal; the line
    # from the highest close (158.51, 2021-03-12) is 126.81.
    Claim(
        "bear_level",
        "Microcaps threatening to rise from bear-market territory (127.7$ level): IWC's bear line",
        127.7,
        "BEAR_LINE(IWC,0.2,IWC_HIGH)",
        "within 0.1 of the number (it is printed to one decimal)",
        '=IF(ISNUMBER({m}),IF(ABS({m}-{n})<0.1,"AGREES","DISAGREES"),"NO DATA")',
        "0.00",
        data=("IWC", "IWC_HIGH"),
    ),
    Claim(
        "bear_rising",
        "… rising from bear-market territory: IWC's market state from its intraday high",
        None,
        "MARKET_STATE(IWC,IWC_HIGH)",
        "reads RISING FROM BEAR",
        '=IF(LEFT({m},4)="#N/A","NO DATA",IF({m}="RISING FROM BEAR","AGREES","DISAGREES"))',
        "@",
        data=("IWC",),
    ),
    Claim(
        "small_caps_after_cuts",
        "Easing cycles usually drive small caps to outperform (IWM/SPY six months after a first cut)",
        None,
        _IWM_SHARE,
        "share of cycles with IWM/SPY up > 50%",
        _sign(">0.5"),
        data=("IWM", "SPY", "DFEDTARU"),
        cases=_cuts_counted("IWM", "SPY", 126),
    ),
    Claim(
        "mid_caps_after_cuts",
        "… and mid caps (MDY/SPY six months after a first cut)",
        None,
        _MDY_SHARE,
        "share of cycles with MDY/SPY up > 50%",
        _sign(">0.5"),
        data=("MDY", "SPY", "DFEDTARU"),
        cases=_cuts_counted("MDY", "SPY", 126),
    ),
    Claim(
        "selloff_after_cuts",
        "Rate cuts typically start a sell-off across equities in an immediate setting (SPY a month after)",
        None,
        _SPY_MEDIAN,
        "median SPY return over 21 days < 0",
        _sign("<0"),
        data=("SPY", "DFEDTARU"),
        cases=_cuts_counted("SPY", "", 21),
    ),
    Claim(
        "unemployment_q2",
        "Unemployment rate up 11% in Q2",
        0.11,
        "PERIOD_CHANGE(UNRATE,MONTH_DATES,3)",
        "within 1 point of the number",
        '=IF(ISNUMBER({m}),IF(ABS({m}-{n})<=0.01,"AGREES","DISAGREES"),"NO DATA")',
        data=("UNRATE",),
        known=f"PERIOD_CHANGE({UNRATE_KNOWN},{VINTAGE_MONTHS},3)",
    ),
    # The newsletter gives no number for it: whether the rise it reports is a recession signal by the usual rule.
    Claim(
        "sahm",
        "… a recession signal? (the Sahm rule on unemployment)",
        None,
        "SAHM_RULE(UNRATE)",
        "≥ 0.50 signals a recession (as shown, to two decimals)",
        '=IF(ISNUMBER({m}),IF(ROUND({m},2)>=0.5,"SIGNAL","NO SIGNAL"),"NO DATA")',
        "0.00",
        data=("UNRATE",),
        known=f"SAHM_RULE({UNRATE_KNOWN})",
    ),
    Claim(
        "claims_rising",
        "Jobless claims are rising (4-week average against a year earlier)",
        None,
        "PERIOD_CHANGE(ICSA,WEEK_DATES,52,4)",
        "> 0",
        _sign(">0"),
        data=("ICSA",),
    ),
    Claim(
        "construction_falling",
        "Construction demand has been falling (construction spending over 6 months)",
        None,
        "PERIOD_CHANGE(TTLCONS,ACTIVITY_DATES,6)",
        "< 0",
        _sign("<0"),
        data=("TTLCONS",),
    ),
    Claim(
        "housing_falling",
        "… and sales (housing starts over 12 months)",
        None,
        "PERIOD_CHANGE(HOUST,ACTIVITY_DATES,12)",
        "< 0",
        _sign("<0"),
        data=("HOUST",),
    ),
    Claim(
        "credit_calm",
        "Corporate credit spreads do not yet herald stress (high-yield spread percentile)",
        None,
        f'IF(IFERROR(COUNT(HY_SPREAD),0)<2,"{NO_HY_SPREAD_SHORT}",PERCENTILE_RANK(HY_SPREAD))',
        "below the 80th percentile of its history",
        _sign("<0.8"),
        data=("HY_SPREAD",),
    ),
    Claim(
        "financials_strength",
        "Fresh strength in Financials (XLF/SPY over six days)",
        None,
        "RATIO_CHANGE(XLF,SPY,6)",
        "> 0",
        _sign(">0"),
        "0.00%",
        data=("XLF", "SPY"),
    ),
    Claim(
        "reits_strength",
        "… and REITs (XLRE/SPY over six days)",
        None,
        "RATIO_CHANGE(XLRE,SPY,6)",
        "> 0",
        _sign(">0"),
        "0.00%",
        data=("XLRE", "SPY"),
    ),
    Claim(
        "broader_market",
        "A broader market: participation rises (equal weight RSP/SPY over six days)",
        None,
        "RATIO_CHANGE(RSP,SPY,6)",
        "> 0",
        _sign(">0"),
        "0.00%",
        data=("RSP", "SPY"),
    ),
)


def _verdict(claim: Claim, row: int) -> str:
    """The verdict cell: NO DATA without data, STALE (with the date its data reach) on old data, "too few (N)" on a
    share or median of fewer than MIN_CASES cases, else the claim's own rule."""
    rule = claim.verdict.format(m=f"D{row}", n=f"B{row}").removeprefix("=")
    if claim.cases:
        rule = f'IF(H{row}<{MIN_CASES},"too few ("&H{row}&")",{rule})'
    if not claim.data:
        return f"={rule}"
    # A claim on a vintage is STALE by the date its own data reach (G), whichever rule gave them.
    is_stale = f"{AS_OF}-G{row}>{stale_after_days(VINTAGE_SERIES)}" if claim.known else stale(claim.data)
    return f'=IF(ISNUMBER(G{row}),IF({is_stale},"STALE: data to "&TEXT(G{row},"yyyy-mm-dd"),{rule}),"NO DATA")'


def _data_to(claim: Claim) -> str:
    """The Data to cell: the date the claim's data reach by the as-of day (as known then, for a claim on a vintage)."""
    reach = oldest_data_to(claim.data)
    revised = f'IF({reach}=0,"no data",{reach})'
    if not claim.known:
        return f"={revised}"
    return f'=IF({_KNOWN_USED},MAXIFS({VINTAGE_MONTHS},{UNRATE_KNOWN},">-9E+307"),{revised})'


def _data_used(claim: Claim) -> str:
    """The Data used cell: the vintage a claim on one was measured on, or the revised data with publication delays."""
    if not claim.known:
        return REVISED_RULE
    return f'=IF({_KNOWN_USED},"{VINTAGE_SERIES} as published "&{PUBLISHED_ON},"{REVISED_RULE}")'


def add_claims_sheet(book: Book) -> Sheet:
    """One row per claim; the as-of date is the Dashboard's."""
    sheet = Sheet(SHEET, freeze=f"A{FIRST_ROW}")
    sheet.put(1, 1, "The newsletter's claims, measured", style="title")
    sheet.put(2, 1, "As of (the Dashboard's as-of date)", style="label")
    sheet.put(2, 2, f"={AS_OF}", "yyyy-mm-dd")
    sheet.put(
        3, 1, "Add a row for the next newsletter: its sentence, number, a formula and a verdict rule.", style="note"
    )
    sheet.in_copy[(3, 1)] = ""  # the colleague copy holds values: no row can be added there
    sheet.put_row(FIRST_ROW - 1, HEADER, style="header")
    for index, claim in enumerate(CLAIMS):
        row = FIRST_ROW + index
        sheet.put(row, 1, claim.sentence)
        if claim.number is not None:
            sheet.put(row, 2, claim.number, claim.number_format)
        sheet.put(row, 3, claim.measured)
        sheet.put(row, 4, f"={claim.measured}", claim.number_format)
        sheet.put(row, 5, claim.rule)
        sheet.put(row, 6, _verdict(claim, row))
        sheet.put(row, 7, _data_to(claim), "yyyy-mm-dd")
        if claim.cases:
            sheet.put(row, 8, f"={claim.cases}", "0")
        sheet.put(row, 9, _data_used(claim))
        book.answers[f"claim_{claim.key}"] = (SHEET, f"D{row}")
        book.answers[f"verdict_{claim.key}"] = (SHEET, f"F{row}")
        book.answers[f"data_to_{claim.key}"] = (SHEET, f"G{row}")
        if claim.cases:
            book.answers[f"cases_{claim.key}"] = (SHEET, f"H{row}")
        if claim.known:
            book.answers[f"data_used_{claim.key}"] = (SHEET, f"I{row}")
    sheet.widths.update({"A": 50, "B": 11, "C": 36, "D": 12, "E": 28, "F": 30, "G": 12, "H": 6, "I": 30})
    sheet.print_area = f"A1:I{FIRST_ROW + len(CLAIMS)}"
    sheet.wrap_columns = "A:F"  # sentences and formulas wrap on the page
    book.sheets.append(sheet)
    return sheet
