"""The `lazarus` command line: one subcommand per module, each with `add_arguments(parser)` and `run(args) -> int`."""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand -> (module, help). A module is imported only when its command runs, so a broken optional piece
# (say, the add-in builder) never stops `lazarus demo`.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("addin.demo", "offline demo: the newsletter's statistics on the bundled real data (no key, no network)"),
    "build": ("addin.build", "write the Lazarus workbook from the local store (or --offline from the bundled sample)"),
    "export": ("addin.export", "write the copy for colleagues: values, charts, formats; no add-in needed"),
    "refresh": ("addin.refresh", "fetch new data from the vendors into the local store (keys optional)"),
    "addin": ("addin.xlam", "build the Excel add-in lazarus.xlam (any OS) or install it into Excel (Windows, macOS)"),
}


def _usage() -> str:
    lines = ["usage: lazarus COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_text}" for name, (_, help_text) in COMMANDS.items()]
    lines += ["", "`lazarus COMMAND --help` shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"lazarus: unknown command {argv[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, help_text = COMMANDS[argv[0]]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"lazarus {argv[0]}", description=help_text)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(argv[1:])) or 0)


if __name__ == "__main__":
    sys.exit(main())
