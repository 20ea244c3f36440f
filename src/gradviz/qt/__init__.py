"""PySide6 views over the core models."""
