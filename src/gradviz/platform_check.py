"""Before Qt starts on Linux/X11: are the system libraries its xcb plugin needs there?

Without them Qt aborts the whole process with a hint that names the wrong library.
This check loads each library the plugin links against (by soname, through the
same dynamic loader Qt would use) and turns the missing ones into the ``apt``
line that installs them. It imports neither Qt nor torch.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

from gradviz.core.i18n import _

# soname the xcb platform plugin (libqxcb.so, libQt6XcbQpa.so) links against -> Debian/Ubuntu
# package (read from the plugin's ELF NEEDED entries of PySide6 6.x)
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
}
# what the README's apt line installs: the above, plus xinerama that older Qt builds use
APT_PACKAGES = sorted({*XCB_LIBRARIES.values(), "libxcb-xinerama0"})


def uses_xcb(env: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether Qt will pick its xcb (X11) plugin here."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    # on a Wayland session Qt 6 tries its wayland plugin first
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_packages(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """The packages whose libraries the dynamic loader cannot load (sorted, no repeats)."""
    missing = set()
    for soname, package in XCB_LIBRARIES.items():
        try:
            load(soname)
        except OSError:
            missing.add(package)
    return sorted(missing)


def apt_line(packages: list[str]) -> str:
    return "sudo apt install " + " ".join(packages)


def xcb_problem(env: dict[str, str] | None = None, load=ctypes.CDLL) -> str | None:
    """A plain message with the apt line when the xcb plugin would fail to load, else None."""
    if not uses_xcb(env):
        return None
    missing = missing_packages(load)
    if not missing:
        return None
    return _(
        "Qt's X11 (xcb) plugin cannot load: these system libraries are missing: "
        "{packages}. Install them with:\n    {apt}\n"
        "(or run headless with QT_QPA_PLATFORM=offscreen)"
    ).format(packages=", ".join(missing), apt=apt_line(missing))
