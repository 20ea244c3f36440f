"""Translations for the words that core and the CLI show: ``_("text")``.

Qt widgets use Qt's own ``tr()`` and ``.qm`` files; core must stay Qt-free, so its
messages (error explanations, card notes, training messages, CLI help) come from
gettext ``.po`` catalogs in ``resources/translations/<lang>/``. They are read as
text, so no compile step stands between a translator's edit and the app.

Mark a message where it is shown: ``_("Step {n} of {total}").format(n=..., total=...)``.
A table built at import time marks its strings with :func:`N_` and translates them
with ``_()`` when they are shown, because the language is chosen after import.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from pathlib import Path

ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGES: dict[str, str] = {ENGLISH: "English", CHINESE: "简体中文"}
ENV_VAR = "GRADVIZ_LANG"

_language = ENGLISH
_catalogs: dict[str, dict[str, str]] = {}


def normalise(code: str | None) -> str | None:
    """'zh_CN.UTF-8', 'zh-Hans', 'zh' → 'zh_CN'; 'en_US' → 'en'; unknown → None."""
    if not code:
        return None
    base = code.split(".")[0].split("@")[0].replace("-", "_")
    lower = base.lower()
    if lower in ("c", "posix"):
        return ENGLISH
    if lower.startswith("zh"):
        # Traditional-script locales are not offered yet: English is clearer to them
        # than a script they don't read.
        traditional = ("zh_tw", "zh_hk", "zh_mo", "zh_hant")
        return None if lower.startswith(traditional) else CHINESE
    if lower.startswith("en"):
        return ENGLISH
    return None


def language_from_environment(env: Mapping[str, str] | None = None) -> str:
    """GRADVIZ_LANG first, then the POSIX locale variables; English when none is known."""
    env = os.environ if env is None else env
    forced = normalise(env.get(ENV_VAR))
    if forced:
        return forced
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        for part in value.split(":"):  # LANGUAGE may list several
            found = normalise(part)
            if found:
                return found
    return ENGLISH


def forced_language(env: Mapping[str, str] | None = None) -> str | None:
    """The language GRADVIZ_LANG asks for, or None when it is unset or unknown."""
    env = os.environ if env is None else env
    return normalise(env.get(ENV_VAR))


def set_language(code: str) -> str:
    """Use ``code`` from now on; returns the language actually used."""
    global _language
    _language = normalise(code) or ENGLISH
    return _language


def current_language() -> str:
    return _language


def _(text: str) -> str:
    """``text`` in the current language (``text`` itself when no translation exists)."""
    if _language == ENGLISH:
        return text
    return catalog(_language).get(text) or text


def N_(text: str) -> str:  # noqa: N802 - the gettext name extraction tools know
    """Mark ``text`` for translation without translating it yet (tables built at import)."""
    return text


def translations_dir(language: str) -> Path:
    from gradviz.resources import resource_path

    return resource_path("translations", language)


def catalog(language: str) -> dict[str, str]:
    """Every translated message of ``language``, from all its ``.po`` files (cached)."""
    if language not in _catalogs:
        merged: dict[str, str] = {}
        folder = translations_dir(language)
        for po in sorted(folder.glob("*.po")) if folder.is_dir() else ():
            merged.update({k: v for k, v in read_po(po.read_text(encoding="utf-8")).items() if v})
        _catalogs[language] = merged
    return _catalogs[language]


def read_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a gettext ``.po`` file (no plurals or contexts: we use neither)."""
    entries: dict[str, str] = {}
    field: str | None = None
    parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}

    def flush() -> None:
        msgid = "".join(parts["msgid"])
        if msgid:
            entries[msgid] = "".join(parts["msgstr"])
        parts["msgid"].clear()
        parts["msgstr"].clear()

    for raw in text.split("\n"):  # not splitlines(): U+0085 and friends are text here
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            field, line = "msgid", line[6:]
        elif line.startswith("msgstr "):
            field, line = "msgstr", line[7:]
        if field and line.startswith('"'):
            try:
                parts[field].append(ast.literal_eval(line))
            except (SyntaxError, ValueError):  # a hand-edited line gone wrong: drop its entry
                field = None
                parts["msgid"].clear()
                parts["msgstr"].clear()
    flush()
    return entries


_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def write_po(entries: Mapping[str, str], header: str = "") -> str:
    """A ``.po`` file's text for ``entries`` (msgid → msgstr), one message per block."""

    def quote(s: str) -> str:
        for plain, escape in _ESCAPES:
            s = s.replace(plain, escape)
        return f'"{s}"'

    blocks = [header.rstrip("\n")] if header else []
    blocks += [f"msgid {quote(k)}\nmsgstr {quote(v)}" for k, v in entries.items()]
    return "\n\n".join(blocks) + "\n"


def clear_cache() -> None:
    """Forget loaded catalogs (tests that write their own)."""
    _catalogs.clear()
