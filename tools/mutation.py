"""Mutation testing of gradviz's core: break the code on purpose, see whether a test notices.

Mutants come from mutmut's own mutation operators (``mutmut.mutation``): every
place mutmut would change inside a function or method (``<`` to ``<=``, a
number plus one, ``and`` to ``or``, an argument dropped, a string changed, …).
Each mutant is one such change, applied alone to a copy of ``src/`` in a
temporary folder; the module's own test files then run against that copy
(``pytest -x``). A mutant is *killed* when the tests fail (or time out), and
*survives* when they pass.

The machine is shared, so the run can be sampled: ``--sample N`` picks N
mutants per module with a fixed seed (the same N gives the same mutants while
the source is unchanged). ``--sample 0`` runs them all.

    python tools/mutation.py --sample 40                # all five modules, 40 each
    python tools/mutation.py broadcast layout --sample 0
    python tools/mutation.py --list backward            # the mutants, without running

Writes a JSON report (``--out``, default ``bench/mutation-report.json``) and
prints per module killed / survived / total and each survivor as a diff line.
Exit status 1 when a module has more than ``--max-survivors`` percent survivors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import libcst as cst
from mutmut.mutation.file_mutation import create_mutations

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# module -> (source file, the test files that speak for it)
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "backward_rules": (
        "gradviz/core/backward_rules.py",
        ("tests/core/test_backward_rule_cases.py", "tests/core/test_backward_rules.py"),
    ),
    "broadcast": ("gradviz/core/broadcast.py", ("tests/core/test_broadcast.py",)),
    "workspace": (
        "gradviz/core/workspace.py",
        (
            "tests/core/test_workspace_grads.py",
            "tests/core/test_workspace_actions.py",
            "tests/core/test_workspace.py",
        ),
    ),
    "backward": (
        "gradviz/core/backward.py",
        ("tests/core/test_workspace_grads.py", "tests/core/test_backward.py"),
    ),
    "layout": ("gradviz/core/layout.py", ("tests/core/test_layout.py",)),
}


@dataclass
class Mutant:
    module: str
    index: int  # position among the module's mutants (stable while the source is unchanged)
    line: int
    before: str
    after: str
    status: str = "pending"  # killed | survived | timeout | pending
    seconds: float = 0.0


def _one_line(node: cst.CSTNode) -> str:
    text = cst.Module(body=[]).code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "…"


def mutants_of(module: str) -> tuple[str, list[tuple[Mutant, Callable[[], str]]]]:
    """Every mutant of ``module`` with a function that writes its mutated source."""
    rel, _ = MODULES[module]
    path = SRC / rel
    code = path.read_text("utf-8")
    tree, mutations, _, _ = create_mutations(str(path), code)
    wrapper = cst.metadata.MetadataWrapper(tree, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    out: list[tuple[Mutant, Callable[[], str]]] = []

    def source(old: cst.CSTNode, new: cst.CSTNode) -> Callable[[], str]:
        return lambda: tree.deep_replace(old, new).code  # type: ignore[union-attr]

    for m in mutations:
        if m.contained_by_top_level_function is None:
            continue  # like mutmut: only code inside functions and methods
        pos = positions.get(m.original_node)
        line = pos.start.line if pos is not None else 0
        mutant = Mutant(
            module, len(out), line, _one_line(m.original_node), _one_line(m.mutated_node)
        )
        out.append((mutant, source(m.original_node, m.mutated_node)))
    return rel, out


def _pytest(src: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    start = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=src.parent, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    elapsed = time.monotonic() - start
    return ("survived" if proc.returncode == 0 else "killed"), elapsed


def run_module(
    module: str, sample: int, seed: int, log, only: list[int] | None = None
) -> list[Mutant]:
    rel, everything = mutants_of(module)
    _, tests = MODULES[module]
    tests = tuple(t for t in tests if (ROOT / t).exists())
    chosen = everything
    if only:
        chosen = [everything[i] for i in only]
    elif sample and sample < len(everything):
        chosen = sorted(random.Random(seed).sample(everything, sample), key=lambda p: p[0].index)
    with tempfile.TemporaryDirectory(prefix="gradviz-mut-") as tmp:
        # a copy of the project: tests/conftest.py puts *its* ../src first on sys.path
        project = Path(tmp)
        skip = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")
        for part in ("src", "tests", "resources"):
            shutil.copytree(ROOT / part, project / part, ignore=skip)
        shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
        copy = project / "src"
        target = copy / rel
        original = target.read_text("utf-8")
        status, base = _pytest(copy, tests, timeout=600)
        if status != "survived":
            raise SystemExit(f"{module}: the tests fail on the unmutated code ({status})")
        timeout = 2 * base + 10  # a mutant that makes the tests hang counts as killed
        log(f"{module}: {len(chosen)} of {len(everything)} mutants, tests take {base:.1f}s")
        for mutant, code in chosen:
            target.write_text(code(), "utf-8")
            mutant.status, mutant.seconds = _pytest(copy, tests, timeout)
            log(f"  #{mutant.index} line {mutant.line}: {mutant.status}")
        target.write_text(original, "utf-8")
    for mutant, _ in chosen:
        mutant.total = len(everything)  # type: ignore[attr-defined]
    return [m for m, _ in chosen]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all)")
    ap.add_argument("--sample", type=int, default=40, help="mutants per module (0: all)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--only", help="run just these mutant numbers of one module, e.g. 12,40")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "mutation-report.json")
    ap.add_argument("--max-survivors", type=float, default=10.0, help="percent per module")
    args = ap.parse_args(argv)
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        ap.error(f"unknown module(s) {', '.join(unknown)}; pick from {', '.join(MODULES)}")

    if args.only and len(modules) != 1:
        ap.error("--only takes exactly one module")
    if args.list:
        for module in modules:
            for m, _ in mutants_of(module)[1]:
                print(f"{module} #{m.index} line {m.line}: {m.before}  ->  {m.after}")
        return 0

    def log(text: str) -> None:
        print(text, flush=True)

    report: dict[str, dict] = {}
    failed = False
    for module in modules:
        only = [int(i) for i in args.only.split(",")] if args.only else None
        results = run_module(module, args.sample, args.seed, log, only)
        total = getattr(results[0], "total", len(results)) if results else 0
        killed = sum(m.status in ("killed", "timeout") for m in results)
        survivors = [m for m in results if m.status == "survived"]
        share = 100.0 * len(survivors) / len(results) if results else 0.0
        failed |= share > args.max_survivors
        report[module] = {
            "run": len(results),
            "of": total,
            "sampled": len(results) < total,
            "killed": killed,
            "survived": len(survivors),
            "survived_percent": round(share, 1),
            "survivors": [asdict(m) for m in survivors],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8")

    print(f"\n{'module':<16}{'killed':>8}{'survived':>10}{'run':>6}{'of':>6}  survived %")
    for module, r in report.items():
        how = (
            " (chosen)"
            if args.only
            else f" (sampled, seed {args.seed})"
            if r["sampled"]
            else " (all)"
        )
        print(
            f"{module:<16}{r['killed']:>8}{r['survived']:>10}{r['run']:>6}{r['of']:>6}"
            f"  {r['survived_percent']:.1f}{how}"
        )
    for module, r in report.items():
        for m in r["survivors"]:
            where = f"{module} #{m['index']} line {m['line']}"
            print(f"survived {where}: {m['before']}  ->  {m['after']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
