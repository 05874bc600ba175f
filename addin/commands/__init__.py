"""The `lazarus` command line: one module per command, each with `add_arguments(parser)` and `run(args) -> int`."""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys

# Command -> help. Each command's module is imported only when it runs: `lazarus demo` need not load the vendor
# clients or xlwings' add-in builder, and a broken optional piece cannot stop the other commands.
COMMANDS: dict[str, str] = {
    "demo": "offline demo: the newsletter's statistics on the bundled real data (no key, no network)",
    "build": "write the Lazarus workbook from the local store (or --offline from the bundled sample)",
    "export": "write the copy for colleagues: values, charts, formats; no add-in needed",
    "refresh": "fetch new data from the vendors into the local store (keys optional)",
    "series": "add your own series: `lazarus series add AAPL` (a ticker or FRED id), remove, list",
    "store": "create the store's tables: `lazarus store init` (a desk's PostgreSQL server, or the SQLite file)",
    "addin": "build the Excel add-in lazarus.xlam (any OS) or install it into Excel (Windows, macOS)",
}


def _usage() -> str:
    lines = ["usage: lazarus COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_text}" for name, help_text in COMMANDS.items()]
    lines += ["", "`lazarus COMMAND --help` shows a command's options; `lazarus --version` the version."]
    return "\n".join(lines)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lazarus-xl")
    except PackageNotFoundError:  # run from a source folder that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(f"lazarus {_version()}")
        return 0
    if argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0].lower(), COMMANDS, n=1)
        hint = f"; did you mean `lazarus {close[0]}`?" if close else ""
        print(f"lazarus: unknown command {argv[0]!r}{hint}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"addin.commands.{argv[0]}")
    parser = argparse.ArgumentParser(prog=f"lazarus {argv[0]}", description=COMMANDS[argv[0]])
    module.add_arguments(parser)
    from addin.pipeline.config import ConfigError

    try:
        return int(module.run(parser.parse_args(argv[1:])) or 0)
    except ConfigError as exc:  # a mistyped config file: one line naming the file and the setting, no traceback
        print(f"lazarus {argv[0]}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
