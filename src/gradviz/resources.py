"""Find the files in ``resources/`` both in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """The folder holding icons, themes and example sessions.

    A wheel ships them inside the package (``gradviz/resources``); an editable
    install or a plain checkout reads the top-level ``resources/`` folder.
    """
    packaged = Path(__file__).resolve().parent / "resources"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("gradviz resources folder not found; reinstall gradviz")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
