"""A tiny observer list for the core documents (no Qt): views subscribe, models emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocEvent:
    """``kind`` says what changed; ``data`` carries details a view may use to update less."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class Emitter:
    """Keeps a list of callbacks and calls each with every event, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[DocEvent], None]] = []

    def subscribe(self, callback: Callable[[DocEvent], None]) -> None:
        if callback not in self._listeners:
            self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[DocEvent], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def emit(self, kind: str, **data: Any) -> None:
        event = DocEvent(kind, data)
        for callback in list(self._listeners):  # a callback may unsubscribe itself
            callback(event)
