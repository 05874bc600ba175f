"""A folder the add-in puts on Python's path so that `import lazarus` finds the template's entry point.

xlwings' ribbon add-in template runs `import <xlam name>; <xlam name>.main()` from its RunMain callback, so
`lazarus.xlam` needs a module called `lazarus`. Rather than add a top-level module to the distribution, the
shim lives here and `lazarus addin install` writes this folder into the add-in's PYTHONPATH setting.
"""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
