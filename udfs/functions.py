"""Every cell function Lazarus declares, in SPEC.md's order: the one list the add-in registers, the engine
computes with, the Methods sheet describes and the tests hold against SPEC.md."""

from __future__ import annotations

from udfs import cells, history  # noqa: F401  (importing them declares their functions, in this order)
from udfs.declare import CellFunction, declared

FUNCTIONS: tuple[CellFunction, ...] = declared()
# What a workbook can compute on its own; the rest (HISTORY) need their host's context, such as a store.
SELF_CONTAINED: tuple[CellFunction, ...] = tuple(function for function in FUNCTIONS if not function.context)
