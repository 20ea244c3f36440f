"""Command line: ``gradviz [gui|graph|backward|train|devices]``.

Each sub-command lives in ``gradviz.commands.<name>`` and exposes
``register(subparsers)`` and ``run(args) -> int``. Command modules import
torch lazily, inside ``run``, so ``--help`` and ``--version`` stay instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from gradviz import __version__
from gradviz.core import i18n

COMMANDS = ("gui", "graph", "backward", "train", "devices")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: ``gradviz train: error: …``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradviz",
        description="A visual explorer for PyTorch autograd. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"gradviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"gradviz.commands.{name}").register(sub)
    return parser


class CommandError(Exception):
    """A user-facing failure: printed as one line on stderr, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    i18n.set_language(i18n.language_from_environment())  # GRADVIZ_LANG, then the locale
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    module = importlib.import_module(f"gradviz.commands.{command}")
    try:
        return int(module.run(args) or 0)
    except CommandError as exc:
        print(f"gradviz {command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gradviz {command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gradviz backward ... | head`: the reader left early
        sys.stderr.close()
        return 0


def gui_main() -> int:
    return main(["gui"])
