"""VBA's conditional compilation, as its compiler applies it before parsing: `#Const`, `#If … Then`, `#ElseIf`,
`#Else`, `#End If`, with expressions of literals, names, comparisons, Not, And, Or and parentheses. Directive lines and
inactive lines become blank lines, so line numbers stay."""

from __future__ import annotations

import re
from collections.abc import Mapping

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
