"""The picture of which reports share which identifiers: positions for a small server-rendered SVG.

Identifiers stand in a column on the left (by kind and number, never their value), the other
reports on the right; a line joins each identifier to each report that has it, dashed for a
possible (partial plate) match. The template draws it; no script is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

from ugly_mugs.matching.links import Shared

ROW = 34
TOP = 24
WIDTH = 560
LEFT_X = 12
RIGHT_X = 360
MAX_REPORTS = 40


@dataclass(frozen=True)
class Node:
    x: int
    y: int
    label: str


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    possible: bool


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    identifiers: list[Node]
    reports: list[Node]
    edges: list[Edge]


SHORT = {"phone": "Phone", "vehicle": "Plate", "vehicle_part": "Part plate", "email": "Email", "username": "Username"}


def picture(shared: list[Shared]) -> Picture | None:
    if not shared:
        return None
    references: list[str] = []
    for item in shared:
        for linked in item.reports:
            if linked.reference not in references and len(references) < MAX_REPORTS:
                references.append(linked.reference)
    numbering: dict[str, int] = {}
    identifiers = []
    for i, item in enumerate(shared):
        numbering[item.kind] = numbering.get(item.kind, 0) + 1
        identifiers.append(Node(LEFT_X, TOP + i * ROW, item.label or f"{SHORT[item.kind]} {numbering[item.kind]}"))
    reports = [Node(RIGHT_X, TOP + i * ROW, ref) for i, ref in enumerate(references)]
    at = {ref: node for ref, node in zip(references, reports, strict=True)}
    edges = [
        Edge(LEFT_X + 170, node.y - 5, RIGHT_X - 8, at[linked.reference].y - 5, linked.possible)
        for node, item in zip(identifiers, shared, strict=True)
        for linked in item.reports
        if linked.reference in at
    ]
    height = TOP + max(len(identifiers), len(reports)) * ROW
    return Picture(WIDTH, height, identifiers, reports, edges)
