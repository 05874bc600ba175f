"""`import lazarus; lazarus.main()`: what the add-in's RunMain button runs. It refreshes everything."""

from addin.excel.ribbon_actions import main

__all__ = ["main"]
