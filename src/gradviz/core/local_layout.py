"""Opening and closing one box in place, without laying out the whole drawing again.

Model Explorer's trick: a collapsed group is laid out only when it is opened.
Its interior gets a layout of its own, put where the box was (same top, same
centre x), and the rest of the drawing makes room: what lies below the box
moves down by the extra height, what lies beside it (in its rows) moves
sideways by half the extra width. Nothing else moves, so every other box keeps
its place relative to its neighbours. Closing does the reverse.

Both return None when the result would overlap (a drawing edited in between);
the caller then lays out everything as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gradviz.core.graph import Graph
from gradviz.core.layout import GROUP_PAD, GROUP_TITLE, Pos, layout_graph, node_size

Box = tuple[float, float, float, float]  # left, top, right, bottom
CELL = 200.0


def box_of(pos: Pos, size: tuple[float, float]) -> Box:
    (x, y), (w, h) = pos, size
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def any_overlap(boxes: Iterable[Box], gap: float = 0.5) -> bool:
    """Whether two of ``boxes`` overlap (a coarse grid: linear in the number of boxes)."""
    grid: dict[tuple[int, int], list[Box]] = {}
    for b in boxes:
        x0, y0, x1, y1 = b[0] + gap, b[1] + gap, b[2] - gap, b[3] - gap
        cells = [
            (i, j)
            for i in range(int(x0 // CELL), int(x1 // CELL) + 1)
            for j in range(int(y0 // CELL), int(y1 // CELL) + 1)
        ]
        for cell in cells:
            for o in grid.get(cell, ()):
                if x0 < o[2] and o[0] < x1 and y0 < o[3] and o[1] < y1:
                    return True
        for cell in cells:
            grid.setdefault(cell, []).append((x0, y0, x1, y1))
    return False


def _room(old: Box, new: Box, positions: Mapping[str, Pos], sizes: Mapping[str, tuple]) -> dict:
    """Move every box so that ``new`` (grown from ``old``, same top and centre) fits:
    boxes below ``old`` down, boxes beside it outwards. Negative growth moves them back."""
    dx = ((new[2] - new[0]) - (old[2] - old[0])) / 2
    dy = (new[3] - new[1]) - (old[3] - old[1])
    cx = (old[0] + old[2]) / 2
    top, bottom = old[1], old[3]
    out = {}
    for nid, (x, y) in positions.items():
        h = sizes[nid][1] / 2
        if y - h >= bottom - 0.5:  # below
            out[nid] = (x, y + dy)
        elif y + h > top:  # beside, in its rows
            out[nid] = (x + dx, y) if x > cx else (x - dx, y)
        else:  # above
            out[nid] = (x, y)
    return out


def open_in_place(
    visible: Graph,
    kept: Mapping[str, Pos],
    opened: Box,
    added: list[str],
    sizes: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Pos] | None:
    """Positions for ``visible`` after the box ``opened`` (old extent) turned into the
    nodes ``added``; ``kept`` holds the old places of everything else. ``sizes``: every
    visible box's size, when the caller has them already."""
    inside = set(added)
    interior = visible.subgraph(lambda n: n.id in inside)
    local = layout_graph(interior)
    sizes = sizes if sizes is not None else {n.id: node_size(n) for n in visible.nodes}
    boxes = [box_of(local[i], sizes[i]) for i in added]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    width = x1 - x0 + 2 * GROUP_PAD
    height = y1 - y0 + 2 * GROUP_PAD + GROUP_TITLE
    cx = (opened[0] + opened[2]) / 2
    grown = (cx - width / 2, opened[1], cx + width / 2, opened[1] + height)
    positions = _room(opened, grown, kept, sizes)
    ox = grown[0] + GROUP_PAD - x0
    oy = grown[1] + GROUP_PAD + GROUP_TITLE - y0
    for nid in added:
        x, y = local[nid]
        positions[nid] = (x + ox, y + oy)
    if _overlaps_near(positions, kept, sizes, added):
        return None
    return positions


def close_in_place(
    visible: Graph,
    kept: Mapping[str, Pos],
    closed: Box,
    box_id: str,
    sizes: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Pos] | None:
    """Positions for ``visible`` after the nodes that filled ``closed`` (their extent,
    frame included) turned into one box ``box_id``: the reverse of :func:`open_in_place`."""
    sizes = sizes if sizes is not None else {n.id: node_size(n) for n in visible.nodes}
    w, h = sizes[box_id]
    cx = (closed[0] + closed[2]) / 2
    small = (cx - w / 2, closed[1], cx + w / 2, closed[1] + h)
    positions = _room(closed, small, kept, sizes)
    positions[box_id] = (cx, closed[1] + h / 2)
    if _overlaps_near(positions, kept, sizes, [box_id]):
        return None
    return positions


def _overlaps_near(
    positions: Mapping[str, Pos],
    kept: Mapping[str, Pos],
    sizes: Mapping[str, tuple[float, float]],
    added: list[str],
) -> bool:
    """Whether the drawing overlaps anywhere a box could have come to overlap: around the
    new boxes and the ones that moved sideways. The rest moved up or down together (or
    not at all), so among themselves they are as clear of each other as before."""
    moved = [nid for nid, p in kept.items() if positions[nid][0] != p[0]]
    band = [box_of(positions[nid], sizes[nid]) for nid in (*added, *moved)]
    if not band:
        return False
    top, bottom = min(b[1] for b in band), max(b[3] for b in band)
    near = []
    for nid, (x, y) in positions.items():
        h = sizes[nid][1] / 2
        if y + h > top and y - h < bottom:
            near.append(box_of((x, y), sizes[nid]))
    return any_overlap(near)
