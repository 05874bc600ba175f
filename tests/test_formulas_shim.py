"""workbook/formulas_shim.py: its INDEX, ROWS and COLUMNS answer as the stock `formulas` ones do, the pinned version
is enforced, and compiling or calculating leaves the `formulas` package's own function table as it was."""

from __future__ import annotations

import importlib.util

import formulas
import numpy as np
import pytest
from formulas.functions import XlError
from formulas.functions import look as stock_look
from formulas.ranges import Ranges

from udfs import cells
from udfs.functions import FUNCTIONS
from workbook import engine
from workbook import formulas_shim as shim
from workbook.model import Book, Sheet

STOCK_INDEX = stock_look.FUNCTIONS["INDEX"]
STOCK_ROWS = stock_look.FUNCTIONS["ROWS"]
STOCK_COLUMNS = stock_look.FUNCTIONS["COLUMNS"]


def _grid(rows: int, columns: int) -> np.ndarray:
    """Numbers, with a blank, a text and an error among them: the cell value must travel with its reference."""
    grid = np.arange(1.0, rows * columns + 1).reshape(rows, columns).astype(object)
    if grid.size > 3:
        grid.flat[1] = shim.EMPTY
        grid.flat[2] = "text"
        grid.flat[-1] = formulas.NA
    return grid


REFERENCES = {
    "single cell": ("Data!C3", _grid(1, 1)),
    "row": ("Data!B2:G2", _grid(1, 6)),
    "column": ("Data!B2:B9", _grid(8, 1)),
    "2-D range": ("Data!B2:D6", _grid(5, 3)),
    "2-D range, no sheet": ("B2:D6", _grid(5, 3)),
}

# (row, column) arguments; None leaves the column out. Inside, at the edges, past the edges, 0, negative,
# fractional, text, a boolean and a 1x1 array (a computed value).
ARGUMENTS = [
    (1, None),
    (2, None),
    (3, None),
    (6, None),
    (8, None),
    (9, None),
    (0, None),
    (-1, None),
    (1, 1),
    (1, 2),
    (2, 1),
    (2, 3),
    (3, 2),
    (5, 3),
    (8, 1),
    (6, 1),
    (1, 4),
    (1, 7),
    (9, 1),
    (0, 2),
    (2, 0),
    (0, 0),
    (-1, 1),
    (1, -1),
    (2.7, 1.2),
    (0.5, 1),
    ("2", 1),
    (True, 1),
    (np.array([[2.0]], dtype=object), 1),
]


def _reference(name: str) -> Ranges:
    address, grid = REFERENCES[name]
    return Ranges().push(address, grid)


def _outcome(result):
    """A result as plain comparable data: a reference's address, cells and value; or an array's values."""
    if isinstance(result, Ranges):
        return ("reference", [dict(r) for r in result.ranges], _values(result.value), sorted(result.values))
    return ("value", _values(result))


def _values(value):
    array = np.asarray(value, dtype=object)
    return [str(v) if isinstance(v, XlError) else v for v in array.ravel().tolist()], array.shape


def _call(entry, *args):
    function = entry["function"] if isinstance(entry, dict) else entry
    return function(*args)


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize(("row", "column"), ARGUMENTS, ids=repr)
def test_index_picks_the_same_cell_as_the_stock_index(name, row, column):
    fast = shim.fast_index(STOCK_INDEX)
    args = (row,) if column is None else (row, column)
    expected = _outcome(_call(STOCK_INDEX, False, _reference(name), *args))
    _, grid = REFERENCES[name]
    if row == 0 and column is not None and 1 <= column <= grid.shape[1]:
        # Excel's INDEX(reference, 0, c) is column c of the reference; the stock engine gives its first cell. Ours
        # gives the column's values (what COUNT over a computed table's block needs).
        expected = ("value", _values(np.asarray(grid)[:, column - 1 : column]))
    assert _outcome(_call(fast, False, _reference(name), *args)) == expected


def test_index_of_several_areas_is_the_stock_index():
    fast = shim.fast_index(STOCK_INDEX)
    for area in (1, 2, 3):
        areas = Ranges().push("Data!B2:B4", _grid(3, 1)).push("Data!D2:E3", _grid(2, 2))
        expected = _outcome(_call(STOCK_INDEX, False, areas, 2, 1, area))
        again = Ranges().push("Data!B2:B4", _grid(3, 1)).push("Data!D2:E3", _grid(2, 2))
        assert _outcome(_call(fast, False, again, 2, 1, area)) == expected


def test_index_of_a_computed_array_is_the_stock_index():
    fast = shim.fast_index(STOCK_INDEX)
    array = _grid(4, 2).view(formulas.functions.Array)
    for args in ((2, 1), (3, 2), (5, 1), (2,)):
        assert _outcome(_call(fast, False, array, *args)) == _outcome(_call(STOCK_INDEX, False, array, *args))


def _compare_compiled(formula: str, functions: dict, pick_row: float) -> None:
    inputs = {
        "DATA": lambda: Ranges().push("Data!B2:D6", _grid(5, 3)),
        "COL": lambda: Ranges().push("Data!F2:F9", np.arange(1.0, 9.0).reshape(8, 1).astype(object)),
        "PICK_ROW": lambda: pick_row,
    }
    stock = formulas.Parser().ast(formula)[1].compile()
    ours = shim.compile_formula(formula, functions)
    expected = _outcome(stock(*[inputs[name]() for name in stock.inputs]))
    assert _outcome(ours(*[inputs[name]() for name in ours.inputs])) == expected


@pytest.mark.parametrize(
    "formula",
    [
        "=INDEX(DATA,2,1):INDEX(DATA,4,3)",
        "=INDEX(DATA,1,1):INDEX(DATA,PICK_ROW,2)",
        "=SUM(INDEX(DATA,1,2):INDEX(DATA,PICK_ROW,3))",
        "=INDEX(DATA,PICK_ROW,1)",
        "=INDEX(COL,1):INDEX(COL,PICK_ROW)",
        "=SUM(INDEX(COL,2):INDEX(COL,PICK_ROW))",
        "=INDEX(COL,PICK_ROW+10)",
    ],
)
@pytest.mark.parametrize("pick_row", [1.0, 3.0, 5.0, 6.0, 0.0])
def test_index_to_index_ranges_match_the_stock_engine(formula, pick_row):
    if pick_row == 0 and "DATA,PICK_ROW," in formula:
        # INDEX(DATA, 0, c) is a whole column (Excel's meaning; see test_index_picks_the_same_cell_as_the_stock_index),
        # where the stock engine picks one cell: the two are meant to differ there.
        return
    _compare_compiled(formula, {"INDEX": shim.fast_index(STOCK_INDEX)}, pick_row)


@pytest.mark.parametrize(
    "formula",
    [
        "=ROWS(INDEX(COL,1):INDEX(COL,PICK_ROW))",
        "=COLUMNS(INDEX(DATA,1,1):INDEX(DATA,PICK_ROW,3))",
        "=ROWS(DATA)*COLUMNS(DATA)",
    ],
)
# Rows inside the range only: past it INDEX gives #REF!, an error value and not a reference, which our ROWS and
# COLUMNS measure as one cell (test_rows_and_columns_also_measure_a_computed_array) and the stock ones call #VALUE!.
@pytest.mark.parametrize("pick_row", [1.0, 3.0, 5.0])
def test_rows_and_columns_of_index_to_index_match_the_stock_engine(formula, pick_row):
    _compare_compiled(formula, shim.fast_lookups(), pick_row)


@pytest.mark.parametrize("name", REFERENCES)
def test_rows_and_columns_of_a_reference_are_the_stock_ones(name):
    lookups = shim.fast_lookups()
    assert lookups["ROWS"](_reference(name)) == _call(STOCK_ROWS, _reference(name))
    assert lookups["COLUMNS"](_reference(name)) == _call(STOCK_COLUMNS, _reference(name))
    areas = Ranges().push("Data!B2:B4", _grid(3, 1)).push("Data!D2:E3", _grid(2, 2))
    assert str(lookups["ROWS"](areas)) == str(_call(STOCK_ROWS, areas))  # #REF!, as Excel


def test_rows_and_columns_also_measure_a_computed_array():
    """What the stock ones refuse (#VALUE!) and Excel does: ROWS(RALLY_ANALOGS(...))."""
    table = np.empty((7, 4), dtype=object).view(formulas.functions.Array)
    assert str(_call(STOCK_ROWS, table).ravel()[0]) == "#VALUE!"
    lookups = shim.fast_lookups()
    assert (lookups["ROWS"](table), lookups["COLUMNS"](table)) == (7, 4)
    assert (lookups["ROWS"](np.arange(3.0)), lookups["COLUMNS"](2.0)) == (1, 1)
    assert lookups["ROWS"](np.asarray([[formulas.REF]], dtype=object)) == 1  # an error value too, as one cell


def _table_snapshot() -> dict[str, object]:
    return dict(formulas.get_functions())


def test_compiling_leaves_the_formulas_function_table_as_it_was():
    before = _table_snapshot()
    compiled = shim.compile_formula("=RALLY_RETURN(X,6)+INDEX(Y,2)+ROWS(Y)", engine.functions())
    assert compiled.inputs  # it did compile, with the Lazarus function found
    assert _table_snapshot() == before


def test_a_calculation_leaves_the_formulas_function_table_stock():
    data = Sheet("Data")
    prices = [100.0 + row + (row % 3) for row in range(1, 41)]
    for row, price in enumerate(prices, start=1):
        data.put(row, 1, price)
    dashboard = Sheet("Dashboard")
    dashboard.put(1, 1, "=RALLY_SIGMA(Data!A1:A40,3)")
    dashboard.put(2, 1, "=INDEX(Data!A1:A40,4)")
    dashboard.put(3, 1, "=ROWS(Data!A1:A40)")
    dashboard.put(4, 1, "=RALLY_RETURN(Data!A1:A40,6)")
    results = engine.calculate(Book([data, dashboard]))["Dashboard"]
    assert results[(1, 1)] == cells.RALLY_SIGMA(prices, 3)
    assert results[(2, 1)] == prices[3]
    assert results[(3, 1)] == 40
    assert results[(4, 1)] == pytest.approx(prices[-1] / prices[-7] - 1)

    table = formulas.get_functions()
    assert table["INDEX"] is STOCK_INDEX
    assert table["ROWS"] is STOCK_ROWS
    assert table["COLUMNS"] is STOCK_COLUMNS
    assert not [function.name for function in FUNCTIONS if function.name in table]


def test_another_formulas_version_is_refused_at_import(monkeypatch):
    monkeypatch.setattr(formulas, "__version__", "9.9.9")
    spec = importlib.util.spec_from_file_location("formulas_shim_copy", shim.__file__)
    with pytest.raises(ImportError, match=r"formulas==1\.3\.4.*formulas 9\.9\.9"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
