"""The catalogue: every series Lazarus keeps, once. Refresh fetches it, the data sheets lay it out, the bundled
sample carries it and the Sources sheet lists it; adding a series is one line in `CATALOGUE`.

A `Source` is plain data: the store's series id, the vendor chain refresh tries in order, and where the series
shows in the workbook (sheet, data table, column header, defined name, number format). A source list a user loads
from CSV or JSON (addin.pipeline.sources) gives the same `Source`, with the workbook fields left at their defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CATALOGUE", "SERIES_TERMS", "SOURCE_HEADER", "VENDOR_TERMS", "Source", "VendorSymbol", "source_rows"]

# The Sources sheet's header; the CSV shape of a source list is the same, so the sheet reads back as one.
SOURCE_HEADER = ["id", "sheet", "column", "field", "vendors"]


@dataclass(frozen=True)
class VendorSymbol:
    """One link of a fallback chain: a vendor id and the symbol that vendor uses for the series."""

    vendor: str
    symbol: str


@dataclass(frozen=True)
class Source:
    """A series to keep current. ``id`` is the store's series id; ``chain`` is tried in order."""

    id: str
    chain: tuple[VendorSymbol, ...]
    sheet: str
    column: str  # header of its column on the data sheet
    field: str = "close"  # "close" (raw), "adjclose" where the vendor has it, or "high" (raw intraday high)
    table: str = ""  # the data table it belongs to (workbook.data_sheets.DATA_TABLES); "" = not in the layout
    name: str = ""  # the defined name of its column; "" = the column header
    label: str = ""  # what it is, in words (provenance lines, the Methods sheet)
    frequency: str = "daily"  # "daily", "weekly" or "monthly"
    number_format: str = "0.00"
    # Calendar days after its date until an observation is published (so known to a replay of a past day).
    # Conservative: never before the release. Market closes 0; see the catalogue below for each series.
    published_days: int = 0
    # Its vendor revises published values (FRED's notes: BLS, Census, Labor and the Fed's monthly mean revise), so
    # refresh keeps every vintage where a vendor serves them and an as-of replay reads the value known that day.
    vintages: bool = False

    @property
    def defined_name(self) -> str:
        return self.name or self.column

    def vendors_text(self) -> str:
        return "|".join(f"{link.vendor}:{link.symbol}" for link in self.chain)


def _price(id_: str, column: str, stooq: str | None, label: str, keyed: bool = True) -> Source:
    chain = [VendorSymbol("yahoo", id_)]
    if keyed:  # Tiingo and Alpha Vantage carry ETFs, not the indices
        chain.append(VendorSymbol("tiingo", id_))
    if stooq:
        chain.append(VendorSymbol("stooq", stooq))
    if keyed:
        chain.append(VendorSymbol("alphavantage", id_))
    return Source(id_, tuple(chain), "Prices", column, table="PricesTable", label=label)


_SHEET_OF_TABLE = {"RatesTable": "Rates", "PolicyTable": "Rates"}


def _fred(id_: str, table: str, fallback: str, label: str, **layout: str | int | bool) -> Source:
    sheet = _SHEET_OF_TABLE.get(table, "Macro")
    chain = (VendorSymbol("fred", id_), VendorSymbol(fallback, id_))
    return Source(id_, chain, sheet, id_, table=table, label=label, **layout)


CATALOGUE: tuple[Source, ...] = (
    _price("IWM", "IWM", "iwm.us", "iShares Russell 2000 ETF, raw close"),
    _price("SPY", "SPY", "spy.us", "SPDR S&P 500 ETF, raw close"),
    _price("IWC", "IWC", "iwc.us", "iShares Micro-Cap ETF, raw close"),
    _price("MDY", "MDY", "mdy.us", "SPDR S&P MidCap 400 ETF, raw close"),
    # Sectors and breadth (issue 13): financials, real estate (XLRE since 2015, IYR the longer REIT history) and the
    # equal-weight S&P 500, whose ratio to SPY gauges how broad a rally is.
    _price("XLF", "XLF", "xlf.us", "Financial Select Sector SPDR ETF, raw close"),
    _price("XLRE", "XLRE", "xlre.us", "Real Estate Select Sector SPDR ETF, raw close"),
    _price("IYR", "IYR", "iyr.us", "iShares U.S. Real Estate ETF, raw close"),
    _price("RSP", "RSP", "rsp.us", "Invesco S&P 500 Equal Weight ETF, raw close"),
    # Dividend-adjusted IWC: the long history return statistics need (raw IWC above is for price levels).
    Source(
        "IWC_ADJ",
        (VendorSymbol("yahoo", "IWC"), VendorSymbol("tiingo", "IWC")),
        "Prices",
        "IWC_ADJ",
        field="adjclose",
        table="PricesTable",
        label="iShares Micro-Cap ETF, dividend-adjusted close (for returns)",
    ),
    # Raw intraday highs of IWC: a bear-market line can be drawn from the intraday high, as the newsletter's
    # "127.7$ level" is (0.8 × 159.56, the 2021-03-15 high). Stooq is left out: its highs are adjusted.
    Source(
        "IWC_HIGH",
        (VendorSymbol("yahoo", "IWC"), VendorSymbol("tiingo", "IWC"), VendorSymbol("alphavantage", "IWC")),
        "Prices",
        "IWC_HIGH",
        field="high",
        table="PricesTable",
        label="iShares Micro-Cap ETF, raw intraday high",
    ),
    _price("^RUT", "RUT", None, "Russell 2000 index", keyed=False),
    _price("^GSPC", "GSPC", "^spx", "S&P 500 index", keyed=False),
    # Treasury's par-yield curve has the same numbers as FRED's rate series: a keyless fallback.
    _fred("T10Y2Y", "RatesTable", "treasury", "10-year minus 2-year Treasury, pp"),
    _fred("T10Y3M", "RatesTable", "treasury", "10-year minus 3-month Treasury, pp"),
    # DGS10 and DGS2 are cell addresses in Excel (column DGS), so their names carry a suffix.
    _fred("DGS10", "RatesTable", "treasury", "10-year Treasury yield, %", name="DGS10_"),
    _fred("DGS2", "RatesTable", "treasury", "2-year Treasury yield, %", name="DGS2_"),
    # Fed policy rates, daily on every calendar day: the effective rate, the target (to 2008-12-15) and the upper
    # end of the target range (from 2008-12-16). FRED's keyless download first, the FRED API as the fallback.
    # DFF is published the next business day (exact for a replay of a trading day; the target the day it changes).
    _fred("DFF", "PolicyTable", "fred_api", "effective federal funds rate, %", published_days=1),
    _fred("DFEDTAR", "PolicyTable", "fred_api", "federal funds target rate (to 2008), %", number_format="0.0000"),
    _fred("DFEDTARU", "PolicyTable", "fred_api", "federal funds target range, upper limit (from 2008), %"),
    # No keyless second source exists for these; the FRED API needs the user's key.
    # BLS publishes a month in the first week or so of the next one (July 2024 on 2024-08-02): 38 days after the
    # 1st covers every release; the monthly mean of DFF comes out on the next month's first business day.
    _fred(
        "UNRATE",
        "MonthlyTable",
        "fred_api",
        "unemployment rate, %",
        frequency="monthly",
        number_format="0.0",
        published_days=38,
        vintages=True,
    ),
    _fred(
        "FEDFUNDS",
        "MonthlyTable",
        "fred_api",
        "effective federal funds rate, monthly mean, %",
        frequency="monthly",
        published_days=34,
        vintages=True,
    ),
    # Census: housing starts about the 17th of the next month, construction spending the first business day of the
    # month after that (May 2024 on 2024-07-01): 65 days after the 1st.
    _fred(
        "HOUST",
        "ActivityTable",
        "fred_api",
        "housing starts, thousands, SAAR",
        frequency="monthly",
        number_format="#,##0",
        published_days=50,
        vintages=True,
    ),
    _fred(
        "TTLCONS",
        "ActivityTable",
        "fred_api",
        "total construction spending, USD millions, SAAR",
        frequency="monthly",
        number_format="#,##0",
        published_days=65,
        vintages=True,
    ),
    # Claims for the week ending Saturday come out on Thursday, five days later.
    _fred(
        "ICSA",
        "WeeklyTable",
        "fred_api",
        "initial jobless claims",
        frequency="weekly",
        number_format="#,##0",
        published_days=5,
        vintages=True,
    ),
    _fred(
        "BAMLH0A0HYM2",
        "SpreadTable",
        "fred_api",
        "ICE BofA US high-yield spread, pp",
        name="HY_SPREAD",
        published_days=1,
    ),
)


def source_rows(sources: Iterable[Source]) -> list[list[str]]:
    """Sources as rows with a header, the shape the workbook's Sources sheet and the CSV file share."""
    return [list(SOURCE_HEADER)] + [[s.id, s.sheet, s.column, s.field, s.vendors_text()] for s in sources]


# What a reader may do with each vendor's data, by vendor id (every reader in addin.pipeline.vendors has a line; a
# test holds it). The colleague copy's About sheet shows these beside each series: data handed on carries its terms.
VENDOR_TERMS: dict[str, str] = {
    "yahoo": "Yahoo Finance: personal use only; do not redistribute",
    "tiingo": "Tiingo: the free plan is for personal use; redistribution needs Tiingo's licence",
    "stooq": "Stooq: personal use; see stooq.com's terms",
    "alphavantage": "Alpha Vantage: its terms of service; no redistribution of the raw data",
    "fred": "FRED (St. Louis Fed): mostly public domain; series owned by others (ICE BofA, S&P) carry their terms",
    "fred_api": "FRED (St. Louis Fed): mostly public domain; series owned by others (ICE BofA, S&P) carry their terms",
    "treasury": "U.S. Treasury: public domain",
}
# Series whose owner's terms are stricter than their vendor's (FRED redistributes them under the owner's licence).
SERIES_TERMS: dict[str, str] = {
    "BAMLH0A0HYM2": "ICE Data Indices: licensed; not for redistribution",
    "^GSPC": "S&P Dow Jones Indices: licensed; not for redistribution",
    "^RUT": "FTSE Russell: licensed; not for redistribution",
}
