"""Every defined name of the workbook comes from workbook/names.py, and every name a formula uses is defined."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests import books
from workbook import dashboard, names
from workbook.data_sheets import DATA_TABLES

ROOT = Path(__file__).resolve().parents[1]
# A quoted text, then an upper-case word that is not a function call or a cell address.
TEXT = re.compile(r'"[^"]*"')
WORD = re.compile(r"(?<![A-Za-z0-9_.!'$])([A-Z][A-Z0-9_]*)(?![A-Za-z0-9_(!])")
CELL = re.compile(r"^[A-Z]{1,3}[0-9]+$")
LOGICAL = frozenset({"TRUE", "FALSE"})  # Excel's own constants, not names


def test_the_book_defines_exactly_the_names_of_workbook_names(small_moment):
    book, _ = small_moment
    expected: dict[str, str] = {}
    for table in DATA_TABLES:
        ref = next(t.ref for t in book.sheet(table.sheet).tables if t.name == table.table)
        last_row = int(re.sub(r"^.*[A-Z]", "", ref))
        expected |= names.table_names(table, last_row)
    grid = book.sheet(dashboard.SHEET).cells
    since = next(cell for cell, entry in grid.items() if entry.value == dashboard.EASING_SINCE)
    tables = {}
    for name, formula in names.computed_tables(f"'Dashboard'!$B${since[0]}").items():
        (row, column), block = next((cell, entry.array) for cell, entry in grid.items() if entry.value == f"={formula}")
        assert (row, grid[(1, column)].value) == (2, f"=ROWS({formula})")
        first, last = block.split(":")
        tables[name] = (f"'Dashboard'!${first[:2]}$2:${last[:2]}${last[2:]}", f"'Dashboard'!${first[:2]}$1")
    expected |= names.dashboard_names("'Dashboard'!$B$3", tables)
    vintages = book.sheet("Vintages").cells
    expected |= names.vintage_names("Vintages", max(c for _, c in vintages), max(2, max(r for r, _ in vintages)))
    assert book.names == expected
    assert grid[dashboard.AS_OF_CELL].value == books.MOMENT
    assert since[1] == 2 and book.names["PRICE_DATES"] == "INDEX(ALL_PRICE_DATES,1):INDEX(ALL_PRICE_DATES,PRICE_ROW)"


def test_every_name_a_dashboard_or_claims_formula_uses_is_defined(small_moment):
    book, _ = small_moment
    functions = set()
    used = set()
    for sheet in (book.sheet("Dashboard"), book.sheet("Claims")):
        for entry in sheet.cells.values():
            if isinstance(entry.value, str) and entry.value.startswith("="):
                formula = TEXT.sub("", entry.value)
                functions |= set(re.findall(r"([A-Z][A-Z0-9_.]*)\(", formula))
                used |= {word for word in WORD.findall(formula) if not CELL.match(word) and word not in LOGICAL}
    assert {"AS_OF", "EASING_TABLE", "ANALOG_TABLE_ROWS", "EVENTS_1", "IWM", "PRICE_DATES"} <= used
    assert used - set(book.names) == set()


def test_only_workbook_names_assigns_a_defined_name():
    """A name is set in a book only with the dicts workbook/names.py returns (book.names.update(names.…))."""
    assigning = []
    for path in sorted([*(ROOT / "workbook").rglob("*.py"), *(ROOT / "addin").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Subscript) and ast.unparse(target.value).endswith(".names"):
                    assigning.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert assigning == []
