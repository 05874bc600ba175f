"""The cell functions: SPEC.md's statistics on NumPy arrays, and one declaration per function (udfs.functions)."""
