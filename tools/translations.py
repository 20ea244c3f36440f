"""Keep the translations in step with the code.

    python tools/translations.py update   # new strings into the .ts and .po files
    python tools/translations.py build    # the .ts files into gradviz_<lang>.qm
    python tools/translations.py status   # what is still untranslated
    python tools/translations.py fill CATALOG MAP.json   # {"English": "中文", ...} into a .ts/.po

One catalog per source module, so translators working on different modules never
edit the same file:

- Qt widgets (``src/gradviz/qt/X.py``): ``tr()`` / ``QCoreApplication.translate()``,
  extracted by ``pyside6-lupdate`` into ``resources/translations/<lang>/qt.X.ts``;
  ``pyside6-lrelease`` joins them all into ``resources/translations/gradviz_<lang>.qm``.
- Core and the CLI (``src/gradviz/core/...``, ``commands/...``, ``cli.py``): ``_()`` and
  ``N_()`` from :mod:`gradviz.core.i18n`, extracted here into ``<lang>/<module>.po``,
  which the app reads as text.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "gradviz"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)
CORE_PARTS = ("core", "commands", "cli.py", "platform_check.py", "__init__.py")

sys.path.insert(0, str(ROOT / "src"))
from gradviz.core.i18n import read_po, write_po  # noqa: E402

PO_HEADER = """# gradviz messages: {module}. msgid is the English text; msgstr its translation.
# Terms follow resources/translations/glossary.tsv. Keep {{placeholders}} as they are.
"""


def tool(name: str) -> str:
    """pyside6-lupdate / -lrelease from the venv that runs this script."""
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    return found


# ------------------------------------------------------------------ core (.po)
def core_modules() -> list[Path]:
    files: list[Path] = []
    for part in CORE_PARTS:
        path = SRC / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if f.exists()]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def marked_messages(path: Path) -> list[str]:
    """The literal strings passed to ``_()`` or ``N_()`` in ``path``, in order."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return list(dict.fromkeys(found))


def po_path(language: str, module: str) -> Path:
    return TRANSLATIONS / language / f"{module}.po"


def update_po(language: str) -> None:
    for path in core_modules():
        messages = marked_messages(path)
        target = po_path(language, module_name(path))
        old = read_po(target.read_text(encoding="utf-8")) if target.exists() else {}
        if not messages:
            if target.exists():
                target.unlink()
            continue
        entries = {m: old.get(m, "") for m in messages}
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            write_po(entries, PO_HEADER.format(module=module_name(path))), encoding="utf-8"
        )


def update_lessons_po(language: str) -> None:
    """The lessons' words (title, intro, step explanations) into ``<lang>/lessons.po``.

    A lesson is a runnable script; only its comments are translated, keyed by their
    English text (see :mod:`gradviz.core.lessons`).
    """
    from gradviz.core.lessons import lesson_files, lesson_texts, parse_lesson

    messages: list[str] = []
    for path in lesson_files(ROOT / "resources" / "lessons"):
        messages += lesson_texts(parse_lesson(path.read_text(encoding="utf-8"), path))
    target = TRANSLATIONS / language / "lessons.po"
    old = read_po(target.read_text(encoding="utf-8")) if target.exists() else {}
    entries = {m: old.get(m, "") for m in dict.fromkeys(messages) if m}
    target.write_text(write_po(entries, PO_HEADER.format(module="lessons")), encoding="utf-8")


# ------------------------------------------------------------------ qt (.ts)
def qt_modules() -> list[Path]:
    return sorted((SRC / "qt").glob("*.py"))


def ts_path(language: str, module: str) -> Path:
    return TRANSLATIONS / language / f"{module}.ts"


def uses_tr(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return ".tr(" in text or "translate(" in text


def lupdate(source: Path, ts: Path) -> None:
    ts.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            str(source),
            "-locations",
            "none",
            "-no-obsolete",
            "-target-language",
            ts.parent.name,
            "-ts",
            str(ts),
        ],
        check=True,
        capture_output=True,
    )


def update_ts(language: str) -> None:
    for path in qt_modules():
        target = ts_path(language, module_name(path))
        if uses_tr(path):
            lupdate(path, target)
            if not ts_messages(target) and target.exists():
                target.unlink()
        elif target.exists():
            target.unlink()


def ts_messages(ts: Path) -> dict[tuple[str, str], str]:
    """(context, source) → translation ('' when unfinished) of a .ts file."""
    out: dict[tuple[str, str], str] = {}
    if not ts.exists():
        return out
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            done = translation is not None and translation.get("type") not in (
                "unfinished",
                "vanished",
                "obsolete",
            )
            out[(name, message.findtext("source", ""))] = (
                (translation.text or "") if done and translation is not None else ""
            )
    return out


def fill_ts(ts: Path, translations: dict[str, str]) -> int:
    """Write ``translations`` (source → text, any context) into ``ts``; returns how many."""
    tree = ET.parse(ts)
    count = 0
    for message in tree.getroot().iter("message"):
        source = message.findtext("source", "")
        if source in translations and translations[source]:
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            translation.text = translations[source]
            translation.attrib.pop("type", None)
            count += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return count


def fill_po(po: Path, translations: dict[str, str]) -> int:
    """Write ``translations`` (msgid → msgstr) into ``po``; returns how many."""
    entries = read_po(po.read_text(encoding="utf-8"))
    lines = po.read_text(encoding="utf-8").split("\n")
    header = "".join(line + "\n" for line in lines if line.startswith("#"))
    count = 0
    for msgid in entries:
        if translations.get(msgid):
            entries[msgid] = translations[msgid]
            count += 1
    po.write_text(write_po(entries, header), encoding="utf-8")
    return count


def fill(catalog: Path, translations: dict[str, str]) -> int:
    return (fill_ts if catalog.suffix == ".ts" else fill_po)(catalog, translations)


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"gradviz_{language}.qm"


def build(language: str, out: Path | None = None) -> Path:
    """Join every ``<lang>/*.ts`` into one .qm (``out``, else the shipped one)."""
    sources = sorted((TRANSLATIONS / language).glob("*.ts"))
    target = out or qm_path(language)
    subprocess.run(
        [tool("pyside6-lrelease"), *map(str, sources), "-qm", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def untranslated(language: str) -> list[str]:
    missing: list[str] = []
    for po in sorted((TRANSLATIONS / language).glob("*.po")):
        missing += [f"{po.name}: {k}" for k, v in read_po(po.read_text("utf-8")).items() if not v]
    for ts in sorted((TRANSLATIONS / language).glob("*.ts")):
        missing += [f"{ts.name}: {s}" for (_c, s), v in ts_messages(ts).items() if not v]
    return missing


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "fill" and len(argv) == 3:
        import json

        count = fill(Path(argv[1]), json.loads(Path(argv[2]).read_text(encoding="utf-8")))
        print(f"{argv[1]}: {count} translations written")
        return 0
    for language in LANGUAGES:
        if command == "update":
            update_po(language)
            update_lessons_po(language)
            update_ts(language)
        elif command == "build":
            print(build(language))
        elif command == "status":
            missing = untranslated(language)
            print(f"{language}: {len(missing)} untranslated")
            for line in missing:
                print("  " + line)
        else:
            print(__doc__)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
