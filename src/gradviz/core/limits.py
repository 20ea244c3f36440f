"""One size limit for every tensor the app makes, and the check that enforces it.

Shapes typed into a field, factories (``arange``, ``eye``, ``randperm``…) and
ops (``repeat``, ``outer``, ``einsum``…) all meet the same limit, so no typed
value or session file can ask for gigabytes. The app's settings can change it.
"""

from __future__ import annotations

from gradviz.core.i18n import _

DEFAULT_MAX_ELEMENTS = 50_000_000
LARGEST_MAX_ELEMENTS = 2**40  # beyond any machine's memory; keeps the arithmetic sane

_max_elements = DEFAULT_MAX_ELEMENTS


class SizeLimitError(ValueError):
    """A result would have more elements than the size limit allows."""


def max_elements() -> int:
    """The most elements one tensor may have."""
    return _max_elements


def set_max_elements(count: int) -> None:
    """Change the limit (the settings call this at start-up and when the user edits it)."""
    global _max_elements
    if isinstance(count, bool) or not isinstance(count, int):
        raise SizeLimitError(
            _("the size limit must be a whole number, got {type}").format(type=type(count).__name__)
        )
    if not 1 <= count <= LARGEST_MAX_ELEMENTS:
        raise SizeLimitError(
            _("the size limit must be from 1 to {largest}").format(
                largest=f"{LARGEST_MAX_ELEMENTS:,}"
            )
        )
    _max_elements = count


def check_elements(count: int, what: str | None = None) -> None:
    """Refuse ``count`` elements when it is over the limit, saying both numbers.

    ``what`` names the thing, already in the user's language; "the result" by default.
    """
    if count > _max_elements:
        # a product of huge typed sizes can have thousands of digits: never print those
        shown = f"{count:,}" if count < 10**19 else _("at least 10^19")
        raise SizeLimitError(
            _(
                "{what} would have {count} elements, more than the size limit of "
                "{limit} elements (Edit → Size limit… changes it)"
            ).format(
                what=_("the result") if what is None else what,
                count=shown,
                limit=f"{_max_elements:,}",
            )
        )
