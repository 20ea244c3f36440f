"""The autograd graph of a whole workspace: every named tensor, with the history's edges."""

from __future__ import annotations

import torch

from gradviz.core.graph import Graph, apply_module_tags, bound_module_paths, capture_graph
from gradviz.core.ops import OPS
from gradviz.core.workspace import Workspace


def workspace_uses(ws: Workspace) -> list[tuple[object, object]]:
    """(input, output) tensor pairs from the history, for the names that still mean them.

    A name re-made later (deleted and created again) no longer stands for the
    old tensor, so pairs are kept only while both names keep their generation.
    """
    generation: dict[str, int] = {}
    pairs: list[tuple[str, int, str, int]] = []
    for action in ws.history:
        if action.kind in ("create", "apply", "delete") and action.target:
            spec = OPS.get(action.op) if action.kind == "apply" else None
            makes_new = action.kind == "create" or (spec is not None and not spec.inplace)
            if makes_new or action.kind == "delete":
                generation[action.target] = generation.get(action.target, 0) + 1
            if spec is None:
                continue
            for p in spec.params:
                if not p.is_tensor:
                    continue
                for name in action.args.get(p.name, "").replace(";", ",").split(","):
                    name = name.strip()
                    if name and name in generation and name != action.target:
                        pairs.append(
                            (name, generation[name], action.target, generation[action.target])
                        )
    tensors = ws.tensors
    return [
        (tensors[a], tensors[b])
        for a, ga, b, gb in pairs
        if a in tensors and b in tensors and generation[a] == ga and generation[b] == gb
    ]


def capture_workspace(ws: Workspace) -> Graph:
    """The graph of every named tensor: non-leaves as roots, leaves and constants included."""
    tensors = ws.tensors
    roots = [t for t in tensors.values() if t.grad_fn is not None]
    loose = [t for t in tensors.values() if t.grad_fn is None]
    paths = console_module_paths(ws)
    names = dict(tensors)
    for mod, path in paths.items():  # parameters get their state_dict names: net.0.weight
        for p, param in mod.named_parameters(recurse=False):
            names.setdefault(f"{path}.{p}", param)
    graph = capture_graph(
        *roots, names=names, show_saved=True, include=loose, uses=workspace_uses(ws)
    )
    return apply_module_tags(graph, paths) if paths else graph


def console_module_paths(ws: Workspace) -> dict[torch.nn.Module, str]:
    """Every module console code bound, and its submodules, by path (``net``, ``net.0``)."""
    return bound_module_paths(ws.objects)
