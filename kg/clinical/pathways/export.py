"""Pathway graphs in the formats other tools read: GraphML (Gephi, yEd, Cytoscape desktop, networkx), node-link
JSON (D3, networkx) and Cytoscape.js JSON.

GraphML holds only plain values, so lists and mappings (a node's outcomes, its sources) are written as JSON text
and unset values are left out; the two JSON formats keep them as they are.

>>> import io, networkx as nx
>>> graph = nx.DiGraph(patients=2)
>>> graph.add_node("1. blinatumomab", count=2, outcomes={"refractory": 1})
>>> buffer = io.BytesIO()
>>> write_graphml(graph, buffer)
>>> nx.read_graphml(io.BytesIO(buffer.getvalue())).nodes["1. blinatumomab"]["outcomes"]
'{"refractory": 1}'
"""

import json
from pathlib import Path

import networkx as nx


def _plain(attributes: dict) -> dict:
    return {key: json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict | tuple) else value
            for key, value in attributes.items() if value is not None}


def write_graphml(graph: nx.DiGraph, target) -> None:
    """Write GraphML to a path or a binary file."""
    plain = nx.DiGraph(**_plain(graph.graph))
    plain.add_nodes_from((node, _plain(data)) for node, data in graph.nodes(data=True))
    plain.add_edges_from((source, target_, _plain(data)) for source, target_, data in graph.edges(data=True))
    nx.write_graphml(plain, target)


def node_link(graph: nx.DiGraph) -> dict:
    """D3-style {"directed", "multigraph", "graph", "nodes": [{"id", ...}], "links": [{"source", "target", ...}]}."""
    return nx.node_link_data(graph, edges="links")


def cytoscape(graph: nx.DiGraph) -> dict:
    """Cytoscape.js elements: {"data", "directed", "multigraph", "elements": {"nodes": [...], "edges": [...]}}."""
    data = nx.cytoscape_data(graph)
    for node in data["elements"]["nodes"]:
        node["data"]["name"] = node["data"]["id"]
    return data


def _write_json(document: dict, path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


WRITERS = {
    "graphml": write_graphml,
    "json": lambda graph, path: _write_json(node_link(graph), path),
    "cytoscape": lambda graph, path: _write_json(cytoscape(graph), path),
}
FORMATS = tuple(WRITERS)


def write(graph: nx.DiGraph, fmt: str, path: str | Path) -> Path:
    """Write the graph in one of FORMATS (JSON as indented UTF-8)."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    path = Path(path)
    WRITERS[fmt](graph, path)
    return path
