"""``gradviz gui``: open the desktop app (the default command)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop app (default)")
    p.add_argument("session", nargs="?", help="a .gradviz session file to open")


def run(args: argparse.Namespace) -> int:
    from gradviz.qt.app import run_app

    return run_app(getattr(args, "session", None))
