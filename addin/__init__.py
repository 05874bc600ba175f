"""Lazarus outside the cells, one sub-package per job: `pipeline/` (vendors → store → what a workbook is built from),
`commands/` (the `lazarus` command line, one module per command) and `excel/` (the add-in: ribbon, `.xlam`, the
refresh of an open workbook)."""
