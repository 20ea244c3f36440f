"""Text exports of a :class:`~gradviz.core.graph.Graph`: DOT (torchviz style) and JSON.

The DOT text uses torchviz's ``make_dot`` conventions so existing tooling and
habits carry over: the same node attributes and colours, and the same node
ids (``str(id(obj))``) for functions and tensors. Two differences, both on
purpose: ``AccumulateGrad`` is drawn as its leaf tensor only (torchviz draws
both), and nodes captured from a module sit in one ``cluster`` per module path.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradviz.core.graph import Graph, Node

# torchviz's fill colours; "constant" is ours (torchviz does not show cut-off tensors)
FILL = {
    "leaf": "lightblue",
    "saved": "orange",
    "output": "darkolivegreen1",
    "constant": "gray90",
}
NODE_ATTR = (
    "align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled"
)


def dot_id(node_id: str) -> str:
    """torchviz's id for a node (the object's id in decimal) or a quoted id of ours."""
    prefix, _, rest = node_id.partition("-")
    if prefix in ("fn", "t"):
        try:
            return str(int(rest, 16))
        except ValueError:
            pass
    return quote(node_id)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def size_str(shape: list[int] | None) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")" if shape is not None else "()"


def node_label(node: Node) -> str:
    """torchviz labels: functions by class name, tensors as ``name\\n (sizes)``."""
    if node.kind == "function":
        return node.label
    name = node.name or (node.label if node.kind == "saved" else "")
    text = f"{name}\n {size_str(node.shape)}"
    if node.cut:
        text += "\n(cut off)"
    return text


def _node_line(node: Node) -> str:
    attrs = [f"label={quote(node_label(node))}"]
    if node.kind in FILL:
        attrs.append(f"fillcolor={FILL[node.kind]}")
    if node.kind == "constant":
        attrs.append('style="filled,dashed"')
    return f"{dot_id(node.id)} [{' '.join(attrs)}]"


def to_dot(graph: Graph) -> str:
    lines = [
        "digraph {",
        '\tgraph [size="12,12"]',
        f"\tnode [{NODE_ATTR}]",
    ]
    # module clusters, nested by path: net > net.0
    by_module: dict[str | None, list[Node]] = {}
    for n in graph.nodes:
        by_module.setdefault(n.module, []).append(n)
    paths = graph.modules()
    children: dict[str, list[str]] = {}
    top: list[str] = []
    for p in paths:
        parent = p.rsplit(".", 1)[0] if "." in p else None
        if parent is not None and parent in paths:
            children.setdefault(parent, []).append(p)
        else:
            top.append(p)

    def cluster(path: str, depth: int) -> None:
        pad = "\t" * depth
        lines.append(f"{pad}subgraph {quote('cluster_' + path)} {{")
        lines.append(f'{pad}\tlabel={quote(path)} style="rounded,dashed" fontname=monospace')
        for n in by_module.get(path, []):
            lines.append(f"{pad}\t{_node_line(n)}")
        for child in children.get(path, []):
            cluster(child, depth + 1)
        lines.append(f"{pad}}}")

    for n in by_module.get(None, []):
        lines.append(f"\t{_node_line(n)}")
    for p in top:
        cluster(p, 1)
    for e in graph.edges:
        attrs = {
            "saved": " [dir=none]",
            "view": " [style=dotted]",
            "cut": (' [style=dashed arrowhead=tee label="detached"]'),
        }.get(e.kind, "")
        lines.append(f"\t{dot_id(e.source)} -> {dot_id(e.target)}{attrs}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_json_text(graph: Graph) -> str:
    return json.dumps(graph.to_json(), indent=1)
