"""``gradviz train``: placeholder until its issue lands."""

from __future__ import annotations

import argparse

from gradviz.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("train", help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    raise CommandError("not implemented yet")
