"""antlr4-vba (Microsoft's VBA grammar) over any module of a VBA project, including xlwings' own: its conditional
compilation (`#If Mac Then`, `#If VBA7`, `#Const`, `Or`, `Not`, comparisons) is evaluated here for each platform
Excel compiles the module on, and a class or document module gets the header the VBA editor writes when it exports
one (`VERSION 1.0 CLASS … END`), which the grammar expects before a class's attributes, and keeps only the class
attributes the language specification defines (`MS_VBAL_CLASS_ATTRIBUTES`).

office_checks.vba_syntax_errors then parses what is left, procedure by procedure.
"""

from __future__ import annotations

from testkit.office_checks import vba_syntax_errors
from testkit.vba_preprocess import preprocess

# The compiler constants of the platforms Excel runs VBA on (Windows 64-bit, macOS), and xlwings' own App.
PLATFORMS: dict[str, dict[str, object]] = {
    "Windows": {"VBA6": True, "VBA7": True, "Win16": False, "Win32": True, "Win64": True, "Mac": False},
    "macOS": {
        "VBA6": True,
        "VBA7": True,
        "Win16": False,
        "Win32": False,
        "Win64": False,
        "Mac": True,
        "MAC_OFFICE_VERSION": 16,
    },
}
CLASS_HEADER = "VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1  'True\nEND\n"
# The class attributes MS-VBAL (the VBA language specification, 4.2) defines and the grammar accepts. Office writes
# more in a class's header (VB_Base: the document's type library; VB_TemplateDerived; a module VB_Description),
# which are host extensions outside the grammar: they are left out before parsing.
MS_VBAL_CLASS_ATTRIBUTES = frozenset(
    {"VB_Name", "VB_GlobalNameSpace", "VB_Creatable", "VB_PredeclaredId", "VB_Exposed", "VB_Customizable"}
)


def module_syntax_errors(source: str, procedural: bool, app: str = "Microsoft Excel") -> list[str]:
    """antlr4-vba's errors for a module's source (as VBA stores it), compiled for each platform in PLATFORMS."""
    text = source.replace("\r\n", "\n")
    if not procedural:
        lines = text.split("\n")
        header = 0
        while header < len(lines) and lines[header].startswith("Attribute "):
            header += 1
        kept = [ln for ln in lines[:header] if ln.split()[1] in MS_VBAL_CLASS_ATTRIBUTES]
        text = CLASS_HEADER + "\n".join(kept + lines[header:])
    errors = []
    for platform, constants in PLATFORMS.items():
        compiled = preprocess(text, {**constants, "App": app})
        errors += [f"{platform}: {error}" for error in vba_syntax_errors(compiled, apps=(app,))]
    return errors
