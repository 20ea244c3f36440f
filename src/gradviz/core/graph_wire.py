"""A captured :class:`~gradviz.core.graph.Graph` as plain data, and back.

Live attach sends a script's loss graph to the app this way ("Inspect this step"): the
public ``Graph.to_json()`` schema plus what the graph view needs to draw it as the
demo's Inspect does (edge kinds, roots, module classes and sizes). Decoding checks
every field and raises :class:`ValueError` on anything else, so a bad reply is dropped
whole. The nodes carry no tensors: the app shows the graph, it cannot step backward.
"""

from __future__ import annotations

from typing import Any

from gradviz.core.graph import KINDS, Edge, Graph, Node

MAX_NODES = 50_000  # a bigger graph is not sent (the view could not draw it anyway)
EDGE_KINDS = ("data", "saved", "view", "cut")


def graph_to_wire(graph: Graph) -> dict[str, Any]:
    data = graph.to_json()
    for edge, out in zip(graph.edges, data["edges"], strict=True):
        out["kind"] = edge.kind
    data["roots"] = list(graph.roots)
    data["module_info"] = {p: [c, int(n)] for p, (c, n) in graph.module_info.items()}
    return data


def _opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{what} is not a string")
    return value


def _shape(value: Any) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(d, int) and d >= 0 for d in value):
        raise ValueError("bad node shape")
    return value


def graph_from_wire(data: Any) -> Graph:
    """The graph ``graph_to_wire`` gave, or ValueError (never anything else)."""
    if not isinstance(data, dict):
        raise ValueError("graph is not a map")
    nodes, edges = data.get("nodes"), data.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise ValueError("graph has no node and edge lists")
    if len(nodes) > MAX_NODES or len(edges) > 4 * MAX_NODES:
        raise ValueError(f"graph of {len(nodes):,} nodes is too big to show")
    graph = Graph()
    for n in nodes:
        if not isinstance(n, dict) or not isinstance(n.get("id"), str):
            raise ValueError("node without an id")
        if n.get("kind") not in KINDS or not isinstance(n.get("label"), str):
            raise ValueError("node of unknown kind")
        graph.add_node(
            Node(
                n["id"],
                n["kind"],
                n["label"],
                _opt_str(n.get("name"), "node name"),
                _shape(n.get("shape")),
                _opt_str(n.get("dtype"), "node dtype"),
                _opt_str(n.get("module"), "node module"),
            )
        )
    for e in edges:
        if not isinstance(e, dict) or e.get("source") not in graph or e.get("target") not in graph:
            raise ValueError("edge between unknown nodes")
        kind = e.get("kind", "data")
        if kind not in EDGE_KINDS:
            raise ValueError("edge of unknown kind")
        graph.add_edge(Edge(e["source"], e["target"], kind=kind))
    roots = data.get("roots", [])
    if not isinstance(roots, list) or not all(r in graph for r in roots):
        raise ValueError("roots name unknown nodes")
    graph.roots = list(roots)
    info = data.get("module_info", {})
    if not isinstance(info, dict):
        raise ValueError("module_info is not a map")
    for path, value in info.items():
        if not (
            isinstance(path, str)
            and isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], str)
            and isinstance(value[1], int)
        ):
            raise ValueError("bad module_info entry")
        graph.module_info[path] = (value[0], value[1])
    return graph
