"""What Excel is, as numbers: its day zero, the size of a sheet, the codes its error cells arrive as, the most text a
cell holds. Every module that needs one of these reads it here."""

from __future__ import annotations

import datetime as dt

# Day zero of Excel's serials after 1900-02-28 (Excel counts the non-existent 1900-02-29).
EXCEL_EPOCH = dt.date(1899, 12, 30)
LAST_SERIAL = 2958465.0  # 9999-12-31, the last date Excel shows
SHEET_ROWS = 1_048_576
SHEET_COLUMNS = 16_384
CELL_TEXT_LIMIT = 32_767  # characters one cell holds
# Excel's error cells reach Python over COM as error codes: xlErrNull (2000) … xlErrCalc (2050), offset by 0x800A0000.
FIRST_COM_ERROR, LAST_COM_ERROR = -2146826288, -2146826238
