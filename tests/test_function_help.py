"""The Insert Function help the add-in registers itself (addin/excel/vba/function_help.py): the same description,
category and argument descriptions xlwings' import_udfs passes to Application.MacroOptions, read from xlwings'
declarations under its Windows code, for every cell function, in VBA that Microsoft's grammar parses."""

from __future__ import annotations

import re

import pytest

from addin.excel import xlam
from addin.excel.vba import function_help
from testkit import office_checks as checks
from testkit.xlwings_harness import windows_xlwings


@pytest.fixture(scope="module")
def module(built_xlam) -> str:
    return checks.shipped_vba_modules(built_xlam)[function_help.MODULE_NAME]


def _vba_value(expression: str) -> str:
    """The text of a VBA string expression of "…" literals, vbLf and ChrW(&H…) joined by `&`."""
    out = ""
    for piece in re.findall(r'"(?:[^"]|"")*"|vbLf|ChrW\(&H[0-9A-F]+\)', expression):
        if piece == "vbLf":
            out += "\n"
        elif piece.startswith("ChrW"):
            out += chr(int(piece[7:-1], 16))
        else:
            out += piece[1:-1].replace('""', '"')
    rebuilt = re.sub(r'"(?:[^"]|"")*"|vbLf|ChrW\(&H[0-9A-F]+\)', "X", expression)
    assert re.fullmatch(r"X( & X)*", rebuilt), expression
    return out


def _registered(module: str) -> dict[str, tuple[str, str, list[str]]]:
    """function -> (description, category, argument descriptions) as the module's MacroOptions calls pass them."""
    out, docs = {}, []
    for line in module.split("\r\n"):
        if line.startswith("    ReDim docs("):
            docs = []
        elif line.startswith("    docs("):
            docs.append(_vba_value(line.split(" = ", 1)[1]))
        elif line.startswith("    Application.MacroOptions"):
            match = re.fullmatch(
                r"    Application\.MacroOptions Macro:=\"'\" & ThisWorkbook\.Name & \"'!(\w+)\", "
                r"Description:=(.*), Category:=(\"[^\"]*\")(, ArgumentDescriptions:=docs)?",
                line,
            )
            assert match, line
            name, description, category, with_docs = match.groups()
            out[name] = (_vba_value(description), _vba_value(category), docs if with_docs else [])
            docs = []
    return out


def _xlwings_macro_options() -> dict[str, tuple[str, str, list[str]]]:
    """What xlwings' import_udfs passes to MacroOptions for every function of the add-in's UDF modules (its own
    code, on its own __xlfunc__, under testkit.xlwings_harness)."""
    out = {}
    for name in xlam.UDF_MODULES.split(";"):
        with windows_xlwings(name) as xl:
            for attr in dir(xl.module):
                meta = getattr(getattr(xl.module, attr), "__xlfunc__", None)
                if meta is not None:
                    docs = [a["doc"][:255] for a in meta["args"] if not a["vba"]]
                    out[meta["name"]] = (meta["ret"]["doc"][:255], meta["category"], docs)
    return out


def test_the_add_in_registers_every_functions_help_as_xlwings_import_udfs_would(module):
    registered = _registered(module)
    assert registered == _xlwings_macro_options()
    assert module.count("Application.MacroOptions") == len(registered) > 30
    assert {category for _, category, _ in registered.values()} == {"Lazarus"}
    assert all(len(doc) <= 255 for d, _, docs in registered.values() for doc in [d, *docs])


def test_excel_runs_the_registration_when_it_opens_the_add_in(module):
    assert re.search(r"^Sub Auto_Open\(\)\r\n    RegisterFunctionHelp\r\nEnd Sub", module, re.M)
    # A failing call (an older Excel, macOS) is skipped, never an error while Excel loads the add-in.
    assert "    On Error Resume Next\r\n" in module.split("Sub RegisterFunctionHelp()")[1].split("Application.")[0]


def test_a_line_break_a_quote_and_a_minus_sign_in_a_description_stay_vba_strings():
    text = 'Spills a table.\nSay "IWM", \u22121.5\u03c3.'
    expression = function_help.vba_text(text)
    assert expression == '"Spills a table." & vbLf & "Say ""IWM"", " & ChrW(&H2212) & "1.5" & ChrW(&H3C3) & "."'
    assert _vba_value(expression) == text
    assert function_help.vba_text("") == '""'
    expression.encode("ascii")  # whatever the project's code page


@pytest.mark.slow
def test_the_function_help_module_parses_with_microsofts_vba_grammar(module):
    # ~4 s: one procedure of 33 long calls.
    assert checks.vba_syntax_errors(module) == []
