"""The direct evaluation of the workbook's formulas (workbook/direct.py) against the `formulas` engine
(workbook/engine.py), the independent proof: every formula cell equal, on the bundled sample and on the full test
data, for the newsletter's day and for the latest day (both replays)."""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

import pytest

from addin.pipeline.store import Store
from addin.pipeline.workbook_data import WorkbookData, store_data
from testkit.vendor_server import load_newsletter_data
from tests import books
from workbook import direct, engine
from workbook.layout import build_book
from workbook.model import Book, Sheet


def _same(mine: Any, theirs: Any) -> bool:
    numbers = (int, float)
    if isinstance(mine, numbers) and isinstance(theirs, numbers) and not isinstance(mine, bool):
        return mine == theirs or math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-12)
    return type(mine) is type(theirs) and mine == theirs


def _agree(book: Book, reuse: tuple[direct.Evaluator, engine.BookEngine] | None = None, covered: bool = True):
    """Compute `book` both ways; assert every formula cell is equal and (when `covered`) none fell back to the
    engine."""
    evaluator = direct.Evaluator(book, reuse=reuse[0] if reuse else None)
    ours = evaluator.compute()
    proof = engine.BookEngine(book, reuse=reuse[1] if reuse else None)
    theirs = proof.compute()
    assert evaluator.fallbacks == [] or not covered
    cells = 0
    for sheet, values in theirs.items():
        assert set(ours[sheet]) == set(values), sheet
        for position, value in values.items():
            assert _same(ours[sheet][position], value), (sheet, position, ours[sheet][position], value)
            cells += 1
    return cells, evaluator, proof


def _both_replays(inputs: WorkbookData) -> int:
    moment = build_book(inputs.data, books.MOMENT, inputs.source_rows, inputs.log_rows, inputs.provenance)
    cells, evaluator, proof = _agree(moment)
    latest = build_book(inputs.data, None, inputs.source_rows, inputs.log_rows, inputs.provenance, same_data_as=moment)
    more, _, _ = _agree(latest, reuse=(evaluator, proof))
    return cells + more


def test_direct_evaluation_equals_the_engine_on_every_formula_cell_of_the_small_sample(small_inputs):
    assert _both_replays(small_inputs) > 4000


@pytest.mark.slow
def test_direct_evaluation_equals_the_engine_on_every_formula_cell_of_the_bundled_sample(sample_inputs):
    assert _both_replays(sample_inputs) > 4000


@pytest.mark.slow
def test_direct_evaluation_equals_the_engine_on_every_formula_cell_of_the_full_test_data(
    running_vendor_server, tmp_path
):
    # The full test data (tests/data, as the local vendor server serves them) through a refresh into a store: longer
    # histories than the sample and the high-yield spread, so the branches the sample leaves blank are computed too.
    from tests.test_refresh import run_refresh

    running_vendor_server.reset()
    load_newsletter_data(running_vendor_server)
    store = Store(tmp_path / "lazarus.sqlite")
    assert run_refresh(running_vendor_server, store, tmp_path).ok
    assert _both_replays(store_data(store)) > 4000


@pytest.mark.slow
def test_direct_evaluation_equals_the_engine_on_the_figures_as_known_that_day(sample_inputs):
    """The bundled sample with its UNRATE vintages: the Dashboard's and the Claims sheet's figures as known that day,
    before the first stored vintage day (revised data), on it, and on the second."""
    first = sample_inputs.book(dt.date(2024, 7, 16))
    cells, evaluator, proof = _agree(first)
    for day in (dt.date(2024, 10, 4), dt.date(2025, 1, 20)):
        cells += _agree(sample_inputs.book(day, same_data_as=first), reuse=(evaluator, proof))[0]
    assert cells > 6000


def test_a_formula_outside_the_covered_part_is_computed_by_the_engine_and_logged(caplog):
    data = Sheet("Data")
    for row, value in enumerate([100.0, 101.0, 99.5, 102.0, 104.0, 103.0, 106.0, 107.5], start=1):
        data.put(row, 1, value)
    sheet = Sheet("Dashboard")
    sheet.put(1, 1, "=ODD(RALLY_RETURN(Data!$A$1:$A$8,6)*1000)")  # ODD: not evaluated directly
    sheet.put(2, 1, "=A1*2")  # depends on the fallen-back cell
    sheet.put(3, 1, '=IF(A2>0,"up","down")&"!"')
    book = Book([data, sheet])
    with caplog.at_level(logging.DEBUG, logger="workbook.direct"):
        evaluator = direct.Evaluator(book)
        ours = evaluator.compute()["Dashboard"]
    assert evaluator.fallbacks == [("DASHBOARD", 1, 1, "the function ODD")]
    assert "DASHBOARD!R1C1: computed by the formulas engine (the function ODD)" in caplog.text
    assert ours == engine.calculate(book)["Dashboard"]
    assert ours[(1, 1)] == 65 and ours[(3, 1)] == "up!"  # 1000 × (107.5 / 101 − 1) = 64.4, up to the next odd


def test_excel_rules_on_blanks_errors_text_and_arrays_match_the_engine():
    data = Sheet("Data")
    for row, value in enumerate([3.0, None, 5.0, 1.0], start=1):
        if value is not None:
            data.put(row, 1, value)
    data.put(1, 2, "x")
    for row, value in enumerate([2.0, "", 4.0], start=1):  # a spilled series: blank rows are empty text
        data.put(row, 3, value)
    sheet = Sheet("S")
    formulas = [
        '=IF(Data!$A$2="","blank","not")',
        "=Data!$A$2+1",
        '=IF(Data!$A$2=0,"zero","no")',
        '=IFERROR(1/0,"div")',
        "=IFERROR(MATCH(4,Data!$A$1:$A$1,0),-1)",
        '=MAXIFS(Data!$A$1:$A$4,Data!$A$1:$A$4,">2")',
        '=MINIFS(Data!$A$1:$A$4,Data!$A$1:$A$4,">=1")',
        "=COUNT(Data!$A$1:$B$4)",
        "=LOOKUP(9.99E+307,Data!$A$1:$A$4)",
        "=INDEX(Data!$A$1:$A$4,3)",
        "=INDEX(Data!$A$1:$A$4,9)",
        '=Data!$B$1&"y"',
        "=Data!$B$1>5",
        "=ISNUMBER(Data!$B$1)",
        "=ABS(-2)^2-3*-1",
        "=MAX(Data!$A$1:$A$4)-MIN(Data!$A$1:$A$4)",
        "=ROWS(Data!$A$1:$B$4)",
        '=TEXT(45000,"yyyy-mm-dd")',
        "=OR(Data!$A$2>1,Data!$A$1>1)",
        "=AND(Data!$A$1>1,Data!$A$3<1)",
        "=OR(1/0>1,TRUE)",
        '=LEFT(Data!$B$1&"yz",2)',
        '=LEFT("abc")',
        "=ROUND(2.345,2)+ROUND(-2.5,0)*10+ROUND(Data!$A$3/3,1)",
        "=MATCH(5,Data!$A$1:$A$4,0)",
        '=TEXT(45000.5,"yyyy-mm")&"|"&TEXT(61,"yyyy-mm-dd")&"|"&IFERROR(TEXT(0,"yyyy-mm"),"none")',
    ]
    for row, formula in enumerate(formulas, start=1):
        sheet.put(row, 1, formula)
    sheet.put_array(1, 3, 4, "=IFERROR(Data!$C$1:$C$3*1,NA())")
    book = Book([data, sheet])
    evaluator = direct.Evaluator(book)
    ours = evaluator.compute()["S"]
    assert evaluator.fallbacks == []
    theirs = engine.calculate(book)["S"]
    for position, value in theirs.items():
        assert _same(ours[position], value), (position, formulas[position[0] - 1], ours[position], value)


@pytest.mark.parametrize("as_of", [dt.date(1990, 1, 2), dt.date(2030, 1, 2)])
def test_an_as_of_outside_the_data_gives_the_engines_values_where_errors_fall_back(small_inputs, as_of):
    # Before the first price every as-of range is an error value, which Lazarus functions never get directly here:
    # those cells are computed by the engine, and all of them still equal the engine's.
    inputs = small_inputs
    book = build_book(inputs.data, as_of, inputs.source_rows, inputs.log_rows, inputs.provenance)
    assert _agree(book, covered=False)[0] > 2000
