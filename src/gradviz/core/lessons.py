"""Runnable lessons from the study notes: ``resources/lessons/*.py``.

A lesson is a plain Python script (it runs as ``python lesson.py``) cut into
steps by ``# %% <one line of explanation>`` markers, the cell format editors
already know. Its first line, ``# Lesson: <title>``, names it; the comment
lines before the first step introduce it.

The file stays one runnable English script. Its title, intro and step
explanations are translated through the ``lessons.po`` catalog of each language
(``tools/translations.py update`` extracts them, the English text is the key);
the code is never translated, so every language runs the very same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gradviz.core.i18n import _

MARKER = "# %%"


@dataclass
class Step:
    explanation: str
    code: str


@dataclass
class Lesson:
    title: str
    intro: str
    steps: list[Step] = field(default_factory=list)
    path: Path | None = None


def parse_lesson(text: str, path: Path | None = None) -> Lesson:
    lines = text.splitlines()
    title = path.stem.replace("_", " ") if path else "lesson"
    intro: list[str] = []
    steps: list[Step] = []
    body: list[str] | None = None
    for line in lines:
        if line.startswith(MARKER):
            body = []
            steps.append(Step(line[len(MARKER) :].strip(), ""))
        elif body is None:
            if line.startswith("# Lesson:"):
                title = line.split(":", 1)[1].strip()
            elif line.startswith("#"):
                intro.append(line.lstrip("# ").rstrip())
        else:
            body.append(line)
            steps[-1].code = "\n".join(body).strip("\n")
    return Lesson(title, " ".join(intro).strip(), steps, path)


def lesson_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.py"))


def lesson_texts(lesson: Lesson) -> list[str]:
    """The words a learner reads (title, intro, each step's explanation): what a catalog
    translates."""
    return [lesson.title, lesson.intro, *(step.explanation for step in lesson.steps)]


def translated(lesson: Lesson) -> Lesson:
    """``lesson`` with its words in the current language; its code as it is."""
    steps = [Step(_(step.explanation), step.code) for step in lesson.steps]
    return Lesson(_(lesson.title), _(lesson.intro), steps, lesson.path)


def load_lesson(path: Path) -> Lesson:
    """The lesson in ``path``, its explanations in the current language."""
    return translated(parse_lesson(path.read_text(encoding="utf-8"), path))
