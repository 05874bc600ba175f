"""The arguments cell functions share, each declared once: its wizard text and its rule. A function's signature
names them as types (`prices: Prices`, `window: Window = 6`); udfs.declare reads them from there."""

from __future__ import annotations

from typing import Annotated, Any

from udfs.declare import Param
from udfs.inputs import horizons, real, whole_number

PRICES_DOC = (
    "Prices, oldest first: one column or row (headers, blanks, text and error cells are skipped; a whole column "
    "such as B:B is fine). Each price must be > 0."
)
DATES_DOC = "Dates of the same rows, oldest first: date cells or Excel serial numbers, strictly increasing."
LATEST_DAYS_DOC = "Number of latest daily returns to look at, a whole number ≥ 1."
PERIOD_DOC = "Moving-average length in observations, a whole number ≥ 1."

# Series: read by the function's body, as whole references (udfs.declare.Param).
Prices = Annotated[Any, Param(PRICES_DOC, reads_range=True)]
Dates = Annotated[Any, Param(DATES_DOC, reads_range=True)]
OptionalDates = Annotated[
    Any, Param(DATES_DOC + " Optional: without dates a year is 252 observations.", reads_range=True)
]
Highs = Annotated[
    Any,
    Param(
        "Optional intraday highs of the same rows as prices (e.g. IWC_HIGH): the high is then the highest of every "
        "close and every intraday high. Blank highs leave that row's close.",
        reads_range=True,
    ),
]
Numerator = Annotated[
    Any,
    Param(
        "Numerator prices (e.g. IWM), oldest first, same size as denominator; rows missing on either side drop.",
        reads_range=True,
    ),
]
Denominator = Annotated[
    Any, Param("Denominator prices (e.g. SPY), oldest first, same size as numerator.", reads_range=True)
]
Spread = Annotated[
    Any,
    Param(
        "Daily yield spread in percentage points (10y − 2y, e.g. FRED T10Y2Y), oldest first; blanks are skipped.",
        reads_range=True,
    ),
]

# Single cells, read by their rule before the body runs.
Window = Annotated[int, Param("Length of the move in observations (trading days), a whole number ≥ 1.", whole_number())]
LatestDays = Annotated[int, Param(LATEST_DAYS_DOC, whole_number())]
Lookback = Annotated[
    int, Param("Keep only the moves that ended in the last this many observations; 0 = all history.", whole_number(0))
]
DailyThreshold = Annotated[float, Param("Daily return a day must beat, as a fraction (0.01 = 1%).", real)]
MoveThreshold = Annotated[
    float | None,
    Param("Move that counts as an event, as a fraction (0.1 = 10%; < 0 for falls). Default: today's move.", real),
]
RsiPeriod = Annotated[int, Param("Wilder smoothing period in observations, a whole number ≥ 1.", whole_number())]
MaPeriod = Annotated[int, Param(PERIOD_DOC, whole_number())]
BearThreshold = Annotated[
    float, Param("Fall from the highest price that marks a bear market, as a fraction (0.2 = 20%).", real)
]
Persist = Annotated[
    int, Param("Consecutive days a run must last to start or end an inversion, a whole number ≥ 1.", whole_number())
]
MemoryDays = Annotated[
    int, Param("Calendar days after an inversion ends during which the state is DIS-INVERTED.", whole_number(0))
]
Horizons = Annotated[
    tuple[int, ...],
    Param(
        'Observations after each move or event to measure, as text like "21,63" or a range of whole numbers.',
        horizons,
    ),
]
Last = Annotated[
    int,
    Param(
        "Return exactly this many of the latest rows (blank rows on top if the range is shorter); 0 = all.",
        whole_number(0),
    ),
]
