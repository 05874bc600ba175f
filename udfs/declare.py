"""One declaration per cell function: the function itself, its group, whether it spills, and for each argument its
documentation and rule, read from the function's signature and `Annotated[…, Param(…)]` hints.

    @cell("Overbought, drawdown, bear market")
    def RSI(prices: Prices, period: Annotated[int, Param("Wilder smoothing period …", whole_number())] = 14) -> float:
        \"\"\"Wilder's relative strength index (0-100) of the last price, exactly as TA-Lib computes it.\"\"\"

Everything else derives from it: the guard that turns every failure into `#N/A NAME: …` text and fills an omitted
argument with its default, the xlwings registration and so the VBA wrappers and the function wizard's texts (in the
add-in), the Methods sheet, the workbook engine's function table and the test that holds SPEC.md to the signatures.
The decorator returns the guarded function, so `RSI(prices)` is the cell function as every caller uses it; its
declaration is `RSI.declaration`. Nothing here knows Excel or xlwings.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import numpy as np

from udfs.errors import NA_PREFIX, CellError, plain
from udfs.excel_facts import CELL_TEXT_LIMIT
from udfs.inputs import Rule, omitted
from udfs.secrets import clip, scrub

REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class Param:
    """What one argument is. `doc`: the wizard's text for it (the default is added from the signature).
    `reads_range`: a series, handed over as a whole reference so Excel reads only its used part, once.
    `rule`: how a single-cell argument is read (udfs.inputs); a series argument is read by the function's body,
    because its rule often joins two ranges (prices with their dates, a numerator with its denominator)."""

    doc: str
    rule: Rule | None = None
    reads_range: bool = False


@dataclass(frozen=True)
class Argument:
    name: str
    param: Param
    default: Any = REQUIRED

    @property
    def optional(self) -> bool:
        return self.default is not REQUIRED

    @property
    def doc(self) -> str:
        """The wizard text: the Param's doc, then the default as Excel would spell it."""
        if not self.optional or self.default is None:
            return self.param.doc
        return f"{self.param.doc} Default {excel_literal(self.default)}."


def excel_literal(value: Any) -> str:
    """A default as a formula would spell it: 6, 0.25, "21,63", FALSE."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class CellFunction:
    """A declared cell function. `call` is the guarded function (what cells, the engine and tests call); `context`
    names keyword arguments that are not cell arguments but supplied by the host (HISTORY's store), see `bound`."""

    name: str
    group: str
    spills: bool
    arguments: tuple[Argument, ...]
    doc: str
    call: Callable[..., Any]
    context: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """The wizard's description: the docstring's first paragraph on one line."""
        return " ".join(self.doc.split("\n\n")[0].split())

    @property
    def summary(self) -> str:
        """The whole docstring on one line (the Methods sheet)."""
        return " ".join(self.doc.split())

    @property
    def signature(self) -> str:
        """As SPEC.md writes it: RSI(prices, [period=14])."""
        parts = []
        for argument in self.arguments:
            if not argument.optional:
                parts.append(argument.name)
            elif argument.default is None:
                parts.append(f"[{argument.name}]")
            else:
                parts.append(f"[{argument.name}={excel_literal(argument.default)}]")
        return f"{self.name}({', '.join(parts)})"

    def bound(self, **context: Any) -> Callable[..., Any]:
        """The cell function with its host-supplied context fixed: `HISTORY.declaration.bound(tables=…)`."""
        if set(context) != set(self.context):
            raise TypeError(f"{self.name} needs exactly {self.context}, got {tuple(context)}")
        if not context:
            return self.call
        call = functools.partial(self.call, **context)
        functools.update_wrapper(call, self.call)
        return call


_DECLARED: dict[str, CellFunction] = {}


def declared() -> tuple[CellFunction, ...]:
    """Every declared cell function, in the order declared (udfs.functions imports them all, in SPEC.md order)."""
    return tuple(_DECLARED.values())


def _arguments(func: Callable[..., Any], context: tuple[str, ...]) -> tuple[Argument, ...]:
    hints = get_type_hints(func, include_extras=True)
    out = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.name in context:
            continue
        hint = hints.get(parameter.name)
        params = (
            [item for item in get_args(hint)[1:] if isinstance(item, Param)] if get_origin(hint) is Annotated else []
        )
        if len(params) != 1:
            raise TypeError(f"{func.__name__}: argument {parameter.name} needs one Annotated[…, Param(…)] hint")
        out.append(Argument(parameter.name, params[0], parameter.default))
    return tuple(out)


def cell(group: str, spills: bool = False, context: tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Any]:
    """Declare a cell function (see the module's docstring). `spills`: it returns a table, which goes back to Excel
    as it is (xlwings' `raw`), already in the cell form COM needs."""

    def declare(func: Callable[..., Any]) -> Callable[..., Any]:
        name = func.__name__
        if name in _DECLARED:
            raise TypeError(f"{name} is declared twice")
        arguments = _arguments(func, context)
        guarded = _guard(func, arguments)
        _DECLARED[name] = declaration = CellFunction(
            name, group, spills, arguments, inspect.cleandoc(func.__doc__ or ""), guarded, context
        )
        guarded.declaration = declaration  # type: ignore[attr-defined]
        return guarded

    return declare


def _guard(func: Callable[..., Any], arguments: tuple[Argument, ...]) -> Callable[..., Any]:
    """Call `func` with every argument read by its rule (an omitted one replaced by its default first), return its
    result in plain Python numbers, and turn every failure into `#N/A NAME: message`: nothing raises into a cell.
    Every failure's text is scrubbed of secrets (a store's message may quote its password) and fits in one cell."""
    name = func.__name__
    count = len(arguments)

    @functools.wraps(func)
    def guarded(*args: Any, **context: Any) -> Any:
        try:
            if len(args) > count:
                raise CellError(f"takes at most {count} arguments, got {len(args)}")
            values = [_read(argument, value) for argument, value in zip(arguments, args, strict=False)]
            values += [_read(argument, None) for argument in arguments[len(args) :]]
            # Overflow and division by zero show up as a non-finite result, which `plain` reports in words.
            with np.errstate(all="ignore"):
                # An answer is numbers, a table or a state word; only a failure's text can quote a secret or run long.
                return plain(func(*values, **context))
        except CellError as exc:
            return _cell_text(f"{NA_PREFIX}{name}: {exc}")
        except Exception as exc:  # the last line of defence: a cell must show text, not a traceback
            return clip(f"{NA_PREFIX}{name}: unexpected {type(exc).__name__}: {exc}", 255)

    return guarded


def _cell_text(text: str) -> str:
    """`text` with its secrets masked, cut to what one cell holds (a longer text would not reach the cell at all)."""
    text = scrub(text)
    return text if len(text) <= CELL_TEXT_LIMIT else f"{text[: CELL_TEXT_LIMIT - 1]}…"


def _read(argument: Argument, value: Any) -> Any:
    if argument.optional and omitted(value):
        if argument.default is None or argument.param.rule is None:
            return argument.default
        value = argument.default
    if argument.param.rule is None:
        return value
    return argument.param.rule(value, argument.name)
