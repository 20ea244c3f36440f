"""PySide6 views over the core models."""

from gradviz.qt._compat import keep_none_alive

keep_none_alive()
