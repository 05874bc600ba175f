"""Helpers shared by the tests and the benchmarks: ``vendor_server`` (a real HTTP server on 127.0.0.1 that answers
at each vendor's paths with recorded or generated bodies and injectable faults) and ``xlwings_harness`` (xlwings'
own Windows UDF code run on Linux under a pywin32 stub).

Neither the tests nor the benchmarks import each other; both import these. Not part of the installed package
(pyproject.toml ships only udfs, addin and workbook): run from the repository root, where pytest and the
benchmark scripts put it on the import path.
"""
