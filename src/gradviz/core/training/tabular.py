"""Your data from a CSV or NPZ file: named numeric columns, picked into features and a target.

A CSV needs a header row; every other cell must be a number (the first one that is
not is named, with its row and column). An NPZ holds named arrays with one row per
sample; a 2-D array is one column group (``X`` with 5 features is picked as "X").
NPZ files are read with ``allow_pickle=False``: an object array is refused, never
unpickled. Sizes are checked before anything big is read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradviz.core.i18n import _

MAX_BYTES = 512 * 2**20  # a table bigger than this is refused before reading
MAX_CLASSES = 1000
TASKS = ("auto", "regression", "classification")


class TableError(ValueError):
    """The data file cannot be used; the message names the file and the problem."""


@dataclass
class Table:
    """Columns by name, each a float64 array of shape (rows, width)."""

    path: str
    columns: dict[str, np.ndarray]

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @property
    def rows(self) -> int:
        return next(iter(self.columns.values())).shape[0] if self.columns else 0


def read_table(path: str | Path) -> Table:
    """Read a CSV or NPZ file into a :class:`Table`; raise :class:`TableError` when unusable."""
    p = Path(path)
    if not p.is_file():
        raise TableError(_("data file {p} does not exist").format(p=p))
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise TableError(
            _("{name} is {value} MiB: at most {value2} MiB").format(
                name=p.name, value=f"{size / 2**20:,.0f}", value2=MAX_BYTES >> 20
            )
        )
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv(p)
    if suffix == ".npz":
        return _read_npz(p)
    raise TableError(_("{name}: data files must be .csv or .npz").format(name=p.name))


def _read_csv(p: Path) -> Table:
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TableError(_("cannot read {name}: {exc}").format(name=p.name, exc=exc)) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise TableError(
            _("{name} needs a header row and at least one row of numbers").format(name=p.name)
        )
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    if len(set(header)) != len(header):
        raise TableError(_("{name}: the header repeats a column name").format(name=p.name))
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise TableError(
                _("{name} row {i} has {value} cells but the header has {value2}").format(
                    name=p.name, i=i, value=len(row), value2=len(header)
                )
            )
        for j, cell in enumerate(row):
            try:
                values[i - 2, j] = float(cell)
            except ValueError:
                raise TableError(
                    _("{name} row {i}, column '{value}': {value2} is not a number").format(
                        name=p.name, i=i, value=header[j], value2=f"{cell.strip()!r}"
                    )
                ) from None
    return Table(str(p), {h: values[:, j : j + 1] for j, h in enumerate(header)})


def _read_npz(p: Path) -> Table:
    try:
        with np.load(p, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as exc:  # object arrays need pickles: refused
        raise TableError(
            _("{name}: {exc} (only numeric arrays are read)").format(name=p.name, exc=exc)
        ) from None
    except (OSError, EOFError) as exc:
        raise TableError(
            _("cannot read {name}: not an NPZ file ({exc})").format(name=p.name, exc=exc)
        ) from None
    columns: dict[str, np.ndarray] = {}
    rows = None
    for name, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise TableError(
                _("{name}: array '{name2}' is {dtype}, not numbers").format(
                    name=p.name, name2=name, dtype=a.dtype
                )
            )
        if a.ndim == 0 or a.ndim > 2:
            raise TableError(
                _("{name}: array '{name2}' must be 1-D or 2-D, not {ndim}-D").format(
                    name=p.name, name2=name, ndim=a.ndim
                )
            )
        a = a.reshape(a.shape[0], -1).astype(np.float64)
        if rows is not None and a.shape[0] != rows:
            raise TableError(
                _("{name}: array '{name2}' has {value} rows, the others have {rows}").format(
                    name=p.name, name2=name, value=a.shape[0], rows=rows
                )
            )
        rows = a.shape[0]
        columns[name] = a
    if not columns:
        raise TableError(_("{name} holds no arrays").format(name=p.name))
    return Table(str(p), columns)


@dataclass
class Picked:
    x: np.ndarray  # (rows, features) float32
    y: np.ndarray  # regression: (rows, k) float32; classification: (rows,) int64
    task: str  # "regression" | "classification"
    n_classes: int  # 0 for regression
    features: list[str]
    target: str


def pick(
    table: Table,
    target: str,
    features: list[str] | tuple[str, ...] = (),
    task: str = "auto",
    n_classes: int = 0,
) -> Picked:
    """Features and target out of ``table``; every name and value is checked first."""
    name = Path(table.path).name
    if not target:
        raise TableError(
            _("{name}: choose a target column ({value})").format(
                name=name, value=", ".join(table.names)
            )
        )
    if target not in table.columns:
        raise TableError(
            _("{name} has no column '{target}': its columns are {value}").format(
                name=name, target=target, value=", ".join(table.names)
            )
        )
    features = list(features) or [c for c in table.names if c != target]
    missing = [f for f in features if f not in table.columns]
    if missing:
        raise TableError(_("{name} has no column '{value}'").format(name=name, value=missing[0]))
    if target in features:
        raise TableError(
            _("'{target}' cannot be both a feature and the target").format(target=target)
        )
    if not features:
        raise TableError(_("{name}: no feature columns left besides the target").format(name=name))
    if task not in TASKS:
        raise TableError(
            _("task must be one of {value}, not {task}").format(
                value=", ".join(TASKS), task=f"{task!r}"
            )
        )
    x = np.concatenate([table.columns[f] for f in features], axis=1)
    y = table.columns[target]
    if not np.isfinite(x).all():
        raise TableError(_("{name}: the features hold nan or inf values").format(name=name))
    if not np.isfinite(y).all():
        raise TableError(
            _("{name}: the target '{target}' holds nan or inf values").format(
                name=name, target=target
            )
        )
    if task == "auto":
        integral = y.shape[1] == 1 and np.all(y == np.round(y)) and y.min() >= 0
        task = "classification" if integral and len(np.unique(y)) <= 20 else "regression"
    if task == "regression":
        return Picked(x.astype(np.float32), y.astype(np.float32), task, 0, features, target)
    return Picked(
        x.astype(np.float32), class_labels(y, n_classes, name, target), task,
        n_classes or int(y.max()) + 1, features, target,
    )  # fmt: skip


def class_labels(y: np.ndarray, n_classes: int, name: str, target: str) -> np.ndarray:
    """Class indices 0..n-1 as int64, or a TableError saying which value does not fit."""
    if y.ndim == 2 and y.shape[1] != 1:
        raise TableError(
            _("{name}: a class target must be one column, '{target}' has {value}").format(
                name=name, target=target, value=y.shape[1]
            )
        )
    flat = y.reshape(-1)
    bad = flat[(flat != np.round(flat)) | (flat < 0)]
    if bad.size:
        raise TableError(
            _("{name}: class labels must be whole numbers from 0, '{target}' holds {value}").format(
                name=name, target=target, value=f"{bad[0]:g}"
            )
        )
    top = int(flat.max()) if flat.size else 0
    n = n_classes or top + 1
    if not 2 <= n <= MAX_CLASSES:
        raise TableError(
            _("classification needs 2 to {MAX_CLASSES} classes, not {n}").format(
                MAX_CLASSES=MAX_CLASSES, n=n
            )
        )
    if top >= n:
        raise TableError(
            _("{name}: '{target}' holds class {top}, but there are only {n} classes").format(
                name=name, target=target, top=top, n=n
            )
        )
    return flat.astype(np.int64)
