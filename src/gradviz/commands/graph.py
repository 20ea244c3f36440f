"""``gradviz graph SCRIPT.py --tensor NAME``: the autograd graph of a script's tensors.

The script is executed (like ``python SCRIPT.py``); then the graph behind the
named module-level tensors is captured. The ``--out`` suffix picks the format;
without ``--out`` a one-paragraph summary is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gradviz.cli import CommandError
from gradviz.core.i18n import _

FORMATS = (".json", ".dot", ".svg", ".png")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help=_("capture the autograd graph of a script's tensors (runs the script)"),
        description=_(
            "Run SCRIPT.py (it is executed, exactly like `python SCRIPT.py`), then capture the "
            "autograd graph behind the named module-level tensors. Other module-level tensors "
            "that are leaves give their variable names to the graph's nodes, and the "
            "parameters of module-level nn.Modules theirs (net.0.weight)."
        ),
        epilog=_(
            "Formats by suffix of --out: .json (gradviz schema), .dot (torchviz style), "
            ".svg and .png (drawn by gradviz itself; no Graphviz needed). "
            "Example: `gradviz graph train.py --tensor loss --out loss.svg`"
        ),
    )
    p.add_argument("script", metavar="SCRIPT.py", help=_("the Python script to run"))
    p.add_argument(
        "--tensor",
        "-t",
        metavar="NAME",
        action="append",
        required=True,
        help=_("a module-level tensor of the script to start from (repeat for several roots)"),
    )
    p.add_argument(
        "--out", "-o", metavar="FILE", help=_("write the graph to FILE (.json .dot .svg .png)")
    )
    p.add_argument(
        "--saved", action="store_true", help=_("also show the tensors saved for backward")
    )


def _check_out(out: str | None) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or _("no suffix")
        raise CommandError(
            _("unknown output format {format!r} for {out}: use {formats}").format(
                format=shown, out=out, formats=", ".join(FORMATS)
            )
        )
    if path.parent and not path.parent.exists():
        raise CommandError(
            _("cannot write {out}: folder {folder} does not exist").format(
                out=out, folder=path.parent
            )
        )
    return path


def run(args: argparse.Namespace) -> int:
    out = _check_out(args.out)  # before running anything: a typo costs nothing
    from gradviz.core.script import run_releasing_graphs

    # a 100 000-node graph must be freed node by node, or exit segfaults
    return run_releasing_graphs(lambda keep: _run(args, out, keep))


def _run(args: argparse.Namespace, out: Path | None, keep: list) -> int:
    import torch

    from gradviz.core.graph import apply_module_tags, capture_graph, module_paths, tag_modules
    from gradviz.core.recording import ConstantInputKeeper
    from gradviz.core.script import ScriptError, graph_nodes, pick_tensor, run_script, tensors_in

    try:
        # the script's own backward() must not hide its cuts; every module's forward tags
        # the functions it makes (in their metadata), so module-level nets frame their nodes
        with ConstantInputKeeper(), tag_modules():
            namespace = run_script(args.script)
        keep.extend(graph_nodes(namespace))
        roots = [pick_tensor(namespace, name) for name in args.tensor]
    except ScriptError as exc:
        raise CommandError(str(exc)) from None
    names = dict(tensors_in(namespace))
    paths: dict[torch.nn.Module, str] = {}
    for var, value in namespace.items():  # a module-level net names its parameters
        if isinstance(value, torch.nn.Module) and not var.startswith("_"):
            for pname, param in value.named_parameters():
                names.setdefault(f"{var}.{pname}", param)
            for module, path in module_paths(value, var).items():
                paths.setdefault(module, path)
    graph = capture_graph(*roots, names=names, show_saved=args.saved)
    apply_module_tags(graph, paths)
    if out is None:
        print(_summary(graph, args.tensor))
        return 0
    suffix = out.suffix.lower()
    try:
        if suffix == ".json":
            from gradviz.core.graph_export import to_json_text

            out.write_text(to_json_text(graph), encoding="utf-8")
        elif suffix == ".dot":
            out.write_text(graph.to_dot(), encoding="utf-8")
        else:
            _render_image(graph, out)
    except OSError as exc:
        raise CommandError(
            _("cannot write {out}: {reason}").format(out=out, reason=exc.strerror or exc)
        ) from None
    print(
        _("wrote {out} ({nodes} nodes, {edges} edges)").format(
            out=out, nodes=len(graph.nodes), edges=len(graph.edges)
        )
    )
    return 0


def _summary(graph, roots: list[str]) -> str:
    counts = graph.counts_by_kind()
    lines = [
        _("graph of {roots}: {nodes} nodes, {edges} edges").format(
            roots=", ".join(roots), nodes=len(graph.nodes), edges=len(graph.edges)
        )
    ]
    width = max(len(k) for k in counts)
    for kind, n in counts.items():
        if n:
            lines.append(f"  {kind:<{width}}  {n}")
    lines.append("  " + _("depth {depth} (nodes on the longest path)").format(depth=graph.depth()))
    return "\n".join(lines)


def _render_image(graph, out: Path) -> None:
    """Draw with Qt offscreen (imported only here, so the rest needs no Qt)."""
    no_screen = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if no_screen and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from gradviz.qt.graph_export import export_graph_image
    except ImportError as exc:
        raise CommandError(
            _("{suffix} output needs PySide6 ({error}); try .dot").format(
                suffix=out.suffix, error=exc
            )
        ) from None
    export_graph_image(graph, out)
