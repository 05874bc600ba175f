"""antlr4-vba (Microsoft's VBA grammar) over any module of a VBA project, including xlwings' own: its conditional
compilation (`#If Mac Then`, `#If VBA7`, `#Const`, `Or`, `Not`, comparisons) is evaluated here for each platform
Excel compiles the module on, and a class or document module gets the header the VBA editor writes when it exports
one (`VERSION 1.0 CLASS … END`), which the grammar expects before a class's attributes, and keeps only the class
attributes the language specification defines (`MS_VBAL_CLASS_ATTRIBUTES`).

office_checks.vba_syntax_errors then parses what is left, procedure by procedure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from testkit.office_checks import vba_syntax_errors

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

_DIRECTIVE = re.compile(r"^[ \t]*#(Const|If|ElseIf|Else|End If)\b(.*)$", re.I)
_TOKEN = re.compile(r'\s*(?:(".*?")|(\d+)|(<>|>=|<=|=|<|>|\(|\))|(\w+))')


def _strip_comment(text: str) -> str:
    """`text` without a trailing ' comment (outside a string)."""
    out, quoted = "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "'" and not quoted:
            break
        out += char
    return out.strip()


def evaluate(expression: str, constants: Mapping[str, object]) -> object:
    """A VBA conditional-compilation expression (literals, names, =, <>, <, >, <=, >=, Not, And, Or, parentheses).
    An undeclared name is 0, as VBA's compiler takes it."""
    values = {k.lower(): v for k, v in constants.items()}
    python = []
    for string, number, operator, word in _TOKEN.findall(expression):
        if string:
            python.append(repr(string[1:-1]))
        elif number:
            python.append(number)
        elif operator:
            python.append({"=": "==", "<>": "!="}.get(operator, operator))
        elif word.lower() in ("not", "and", "or"):
            python.append(word.lower())
        elif word.lower() in ("true", "false"):
            python.append(str(word.lower() == "true"))
        else:
            python.append(repr(values.get(word.lower(), 0)))
    # Only the literals, operators and looked-up values built above reach eval, with no builtins.
    return eval(" ".join(python), {"__builtins__": {}})


def preprocess(text: str, constants: Mapping[str, object]) -> str:
    """`text` as VBA's compiler sees it under `constants`: directive lines and inactive lines become blank lines."""
    values: dict[str, object] = dict(constants)
    stack: list[tuple[bool, bool]] = []  # (this branch is active, a branch of this #If was taken)
    lines = []
    for line in text.split("\n"):
        directive = _DIRECTIVE.match(line)
        outer = all(active for active, _ in stack)
        if directive is None:
            lines.append(line if outer else "")
            continue
        keyword, rest = directive.group(1).lower(), _strip_comment(directive.group(2))
        if keyword == "const":
            if outer:
                name, _, value = rest.partition("=")
                values[name.strip()] = evaluate(value, values)
        elif keyword in ("if", "elseif"):
            condition = re.sub(r"\s+Then$", "", rest, flags=re.I)
            truth = bool(evaluate(condition, values))
            if keyword == "if":
                stack.append((truth, truth))
            else:
                taken = stack[-1][1]
                stack[-1] = (truth and not taken, taken or truth)
        elif keyword == "else":
            stack[-1] = (not stack[-1][1], True)
        else:
            stack.pop()
        lines.append("")
    if stack:
        raise ValueError("an #If without #End If")
    return "\n".join(lines)


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
