"""``gradviz gui``: open the desktop app (the default command)."""

from __future__ import annotations

import argparse
import os
import sys

from gradviz.cli import CommandError
from gradviz.core.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help=_("open the desktop app (default)"))
    p.add_argument("session", nargs="?", help=_("a .gradviz session file to open"))


def _has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    # Qt aborts the whole process without a display; say so plainly instead.
    if not _has_display():
        raise CommandError(
            _(
                "no display found (DISPLAY/WAYLAND_DISPLAY unset); run it on a desktop, "
                "or set QT_QPA_PLATFORM=offscreen for headless use"
            )
        )
    session = getattr(args, "session", None)
    if session:  # a bad file is one line here, before any window (no torch needed)
        from gradviz.core.session_schema import SessionFileError, read_session_file

        try:
            read_session_file(session)
        except SessionFileError as exc:
            raise CommandError(str(exc)) from None
    # Qt aborts (naming the wrong library) when its xcb plugin lacks a system library:
    # check first, and print the apt line that fixes it
    from gradviz.platform_check import xcb_problem

    problem = xcb_problem()
    if problem:
        raise CommandError(problem)
    from gradviz.qt.app import run_app

    return run_app(session)
