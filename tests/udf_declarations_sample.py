"""Declarations that use every branch of xlwings' VBA wrapper (a Sub, a ParamArray, volatile, hidden from the function
wizard, the `caller` argument, an argument passed from VBA): tests/test_vba_project.py checks that the add-in's own
wrapper writer renders them exactly as xlwings' generate_vba_wrapper does. Not a cell function of Lazarus."""

import xlwings as xw


@xw.func(volatile=True, call_in_wizard=False)
def SAMPLE_VOLATILE(x, y=2):
    """Volatile and hidden from the wizard."""
    return x


@xw.func
@xw.arg("x", doc="first")
def SAMPLE_VARARGS(x, *rest):
    return x


@xw.func
def SAMPLE_CALLER(caller, x):
    return x


@xw.func
@xw.arg("book", vba="ActiveWorkbook")
def SAMPLE_VBA_ARG(book, x):
    return x


@xw.sub
def sample_sub(x, *more):
    """A macro, not a function."""
