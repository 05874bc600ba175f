"""Property: any junk in any argument gives a number, a word, a table or a clear `#N/A …` text, never an exception
and never an unanticipated failure."""

from __future__ import annotations

import datetime as dt
import inspect
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from udfs.functions import SELF_CONTAINED

# 150 random argument lists per function, about 5 s for the module; test_inputs.py and test_excel_udfs.py check
# the named bad inputs (text, errors, blanks, bad windows, overflow) quickly. Skipped by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=0.01, max_value=1e4),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=8),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(9998, 1, 1)),
    st.just("#N/A"),
    st.just(-2146826246),  # Excel's #N/A as a COM error code
)
column = st.one_of(
    st.lists(cell, max_size=80),
    st.lists(st.floats(min_value=1, max_value=1000), min_size=0, max_size=120),
    st.lists(st.lists(cell, min_size=1, max_size=1), max_size=40),
    st.lists(st.lists(cell, min_size=2, max_size=3), min_size=2, max_size=4),
    cell,
)
argument = st.one_of(column, cell)


def _acceptable(result: object) -> bool:
    if isinstance(result, bool):
        return False
    if isinstance(result, (int, float)):
        return math.isfinite(result)
    if isinstance(result, str):
        return not result.startswith("#N/A") or (": " in result and "unexpected" not in result)
    if isinstance(result, list):
        return all(isinstance(row, list) and all(_acceptable(v) for v in row) for row in result)
    return False


def _make_test(function):
    parameters = inspect.signature(function).parameters.values()
    required = sum(p.default is inspect.Parameter.empty for p in parameters)
    arity = len(parameters)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(argument, min_size=required, max_size=arity))
    def test(arguments):
        result = function(*arguments)
        assert _acceptable(result), f"{function.__name__}{tuple(arguments)!r} -> {result!r}"

    test.__name__ = f"test_junk_never_breaks_{function.__name__}"
    return test


for _function in SELF_CONTAINED:
    globals()[f"test_junk_never_breaks_{_function.name}"] = _make_test(_function.call)
