"""The ``corpusforge`` command line.

Each subcommand lives in its own module under ``corpusforge/commands/`` and exposes
``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. A command module
imports the heavy parts of the package inside ``run`` on purpose: ``corpusforge --help``
and each command load only what that command uses.

Exit codes scripts can rely on:
  0  success
  1  the run finished but some input or task failed (see the summary)
  2  bad arguments, missing input, unwritable output or invalid config (nothing run)
  130 interrupted
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

import corpusforge.commands as pkg
from corpusforge import __version__
from corpusforge.config import ConfigError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A one-line error for the user; ``code`` is the process exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _commands() -> list:

    mods = []
    for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not m.name.startswith("_"):
            mods.append(importlib.import_module(f"corpusforge.commands.{m.name}"))
    return mods


def build_parser() -> argparse.ArgumentParser:

    parser = argparse.ArgumentParser(
        prog="corpusforge",
        description="CommonCrawl WARC files to a clean, deduplicated Japanese pre-training corpus.",
    )
    parser.add_argument("--version", action="version", version=f"corpusforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    try:
        return int(args._run(args) or 0)
    except CliError as e:
        print(f"corpusforge: error: {e}", file=sys.stderr)
        return e.code
    except ConfigError as e:
        print(f"corpusforge: error: invalid config: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("corpusforge: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

