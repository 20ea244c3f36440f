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
from gradviz.core.i18n import N_, _

COMMANDS = ("gui", "graph", "backward", "train", "devices")

# argparse's own words (Python 3.10-3.13), marked so they are extracted into cli.po;
# argparse looks its module-level ``_`` up at call time, so build_parser points it at ours
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("optional arguments"),  # 3.9 and older
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("command '%(parser_name)s' is deprecated"),
    N_("option '%(option)s' is deprecated"),
    N_("argument '%(argument_name)s' is deprecated"),
)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


def _translate_argparse() -> None:
    """argparse's usage, section titles and errors in the current language."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = _argparse_ngettext  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: ``gradviz train: error: …``."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2,
            _("{prog}: error: {message} (see {prog} --help)").format(
                prog=self.prog, message=message
            )
            + "\n",
        )


def build_parser() -> argparse.ArgumentParser:
    _translate_argparse()
    parser = _Parser(
        prog="gradviz",
        description=_("A visual explorer for PyTorch autograd. Without a command, opens the app."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"gradviz {__version__}",
        help=_("show program's version number and exit"),
    )
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
        print(
            _("gradviz {command}: error: {error}").format(command=command, error=exc),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(_("gradviz {command}: interrupted").format(command=command), file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gradviz backward ... | head`: the reader left early
        sys.stderr.close()
        return 0


def gui_main() -> int:
    return main(["gui"])
