"""openxml-audit 0.8.0 with its sibling-position scan made linear, for validating full-size workbooks.

The validator labels every element it visits with its 1-based position among same-tag siblings (the `c[3]` of an
error's path). 0.8.0's `context._sibling_position` finds it by walking the parent's same-tag children from the first
each time, so a sheet of n rows costs n²/2 steps: about 83 s of CPU per full-size workbook, almost all of it there.
`fast_positions()` swaps in a function that numbers a parent's children once and looks them up: about 9 s, the same
findings (tests/test_office_files.py compares both on a file with planted errors).

Upstream fix (openxml_audit/context.py): compute the positions of all of a parent's children in one pass and keep
them for the parent being walked, e.g. a per-parent table `{child: position}` in `ValidationStack` (filled the first
time a child of that parent is pushed, dropped when the parent is popped); `_sibling_position` is then O(1).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PATCHED_VERSION = "0.8.0"
# Parents whose position tables are kept. The validator walks depth first, so the parents still being walked are
# the current element's ancestors (a workbook part is under 10 deep); the rest are dropped as it moves on.
KEPT_PARENTS = 32


def _position_finder() -> Callable[[Any], int]:
    """A `_sibling_position` with its own table of positions, for one validation."""
    tables: OrderedDict[Any, dict[Any, int]] = OrderedDict()

    def sibling_position(element: Any) -> int:
        parent = element.getparent()
        if parent is None:
            return 1
        # Holding `parent` (the key) and the children keeps their lxml proxies alive, so identity lookups hold.
        table = tables.get(parent)
        if table is None:
            table, counts = {}, {}
            for child in parent.iterchildren():
                counts[child.tag] = counts.get(child.tag, 0) + 1
                table[child] = counts[child.tag]
            tables[parent] = table
            if len(tables) > KEPT_PARENTS:
                tables.popitem(last=False)
        else:
            tables.move_to_end(parent)
        position = table.get(element)
        if position is None:  # not seen when the table was made (the tree changed): the stock scan
            return _stock_position(element)
        return position

    return sibling_position


def _stock_position(element: Any) -> int:
    from openxml_audit import context

    return context._stock_sibling_position(element)


def _check_version() -> None:
    import openxml_audit

    if openxml_audit.__version__ != PATCHED_VERSION:
        raise RuntimeError(
            f"testkit/openxml_audit_fast.py patches openxml-audit {PATCHED_VERSION}, but {openxml_audit.__version__} "
            "is installed: check whether its context._sibling_position is still a scan, then update or drop the patch"
        )


@contextmanager
def fast_positions() -> Iterator[None]:
    """Inside the block, openxml-audit numbers siblings with a table per parent instead of a scan per element."""
    from openxml_audit import context

    _check_version()
    if not hasattr(context, "_stock_sibling_position"):
        context._stock_sibling_position = context._sibling_position
    previous = context._sibling_position
    context._sibling_position = _position_finder()
    try:
        yield
    finally:
        context._sibling_position = previous
