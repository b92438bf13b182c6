"""The graph document (NetCanvas graph format, version 1): read, validate its structure, write.

``read_document`` turns bytes/text into a dict or raises ``FormatError`` (the file is
not a graph we can read: CLI exit 2). ``parse`` checks the document's structure and
returns a ``Graph`` plus every structural error found (never raising for content).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from .errors import CheckError, FormatError
from .params import NAME_RE

FORMAT = "netcanvas.graph"
VERSION = 1
MAX_BYTES = 8 * 1024 * 1024     # a 5,000-layer graph is well under 1 MB
MAX_DEPTH = 32                  # nesting of JSON arrays/objects
MAX_NODES = 10_000
MAX_EDGES = 40_000
MAX_TEXT = 4_000                # any free-text field (description)
MODES = ("classification", "regression", "autoencoder", "vae", "gan-generator", "gan-discriminator")
TOP_KEYS = {"format", "version", "name", "meta", "nodes", "edges"}
META_KEYS = {"description", "data", "mode", "partner"}


@dataclass
class Node:
    id: str
    type: str
    params: dict
    pos: list | None = None
    extra: dict = field(default_factory=dict)   # ui* keys, kept as they are


@dataclass
class Edge:
    source: str
    target: str
    port: int = 0


@dataclass
class Graph:
    name: str
    nodes: list[Node]
    edges: list[Edge]
    meta: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def node(self, node_id: str) -> Node | None:
        return self._by_id.get(node_id)

    @cached_property
    def _by_id(self) -> dict:
        # built once: codegen and the summary look up every node (a parsed graph is never changed)
        return {n.id: n for n in self.nodes}

    def nx(self) -> nx.MultiDiGraph:
        """The networkx view: one node per id, edges keyed by target port (Add(x, x) keeps both)."""
        g = nx.MultiDiGraph()
        for n in self.nodes:
            g.add_node(n.id, type=n.type)
        for e in self.edges:
            g.add_edge(e.source, e.target, key=e.port)
        return g

    def to_document(self) -> dict:
        doc = {"format": FORMAT, "version": VERSION, "name": self.name}
        if self.meta:
            doc["meta"] = self.meta
        doc["nodes"] = []
        for n in self.nodes:
            item = {"id": n.id, "type": n.type, "params": n.params}
            if n.pos is not None:
                item["pos"] = n.pos
            item.update(n.extra)
            doc["nodes"].append(item)
        doc["edges"] = [{"source": e.source, "target": e.target, **({"port": e.port} if e.port else {})}
                        for e in self.edges]
        doc.update(self.extra)
        return doc


# -- reading ------------------------------------------------------------------------
def _depth_ok(text: str) -> bool:
    """Nesting depth of a JSON text without parsing it (json's recursion would blow first)."""
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def read_document(data: bytes | str) -> dict:
    """Parse a graph file; refuse what is not a NetCanvas graph of a version we know."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise FormatError("format.too_large", size=len(data), limit=MAX_BYTES)
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError("format.not_json", detail="not UTF-8 text") from None
    if len(data) > MAX_BYTES:
        raise FormatError("format.too_large", size=len(data), limit=MAX_BYTES)
    if not _depth_ok(data):
        raise FormatError("format.too_deep", limit=MAX_DEPTH)
    try:
        # NaN/Infinity are not JSON; keep them as floats so the checker names the node and param.
        doc = json.loads(data, parse_constant=float)
    except (ValueError, RecursionError) as exc:
        raise FormatError("format.not_json", detail=str(exc)[:200]) from None
    return check_header(doc)


def read_file(path: str) -> dict:
    """A graph file (``-``: standard input), or FormatError: unreadable, not JSON, another format."""
    import sys
    from pathlib import Path
    try:
        data = Path(path).read_bytes() if path != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        raise FormatError("format.unreadable", path=str(path), detail=exc.strerror or str(exc)) from None
    return read_document(data)


def check_header(doc) -> dict:
    if not isinstance(doc, dict):
        raise FormatError("format.not_object")
    if doc.get("format") != FORMAT:
        raise FormatError("format.unknown_format", received=_short(doc.get("format")), expected=FORMAT)
    version = doc.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise FormatError("format.unknown_version", received=_short(version), expected=VERSION)
    return doc


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) or math.isfinite(value) else str(value)
    if not _encodable(text):
        text = json.dumps(value)     # lone surrogates as \u escapes: a message must be printable
    return text if len(text) <= 60 else text[:57] + "..."


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unencodable_text(doc: dict, limit: int = 20) -> list[CheckError]:
    """Every key or text in the document that cannot be written as UTF-8 (a lone surrogate, which
    JSON's \\u escapes can carry): such text cannot reach generated code, files or the screen."""
    errors: list[CheckError] = []

    def walk(value, where: str, node: str | None) -> None:
        if len(errors) >= limit:
            return
        if isinstance(value, str):
            if not _encodable(value):
                errors.append(CheckError("graph.text_encoding", {"where": where}, node=node))
        elif isinstance(value, dict):
            for key, item in value.items():
                label = key if _encodable(str(key)) else json.dumps(key)
                if not _encodable(str(key)):
                    errors.append(CheckError("graph.text_encoding", {"where": f"{where}.{label}".lstrip(".")}, node=node))
                walk(item, f"{where}.{label}".lstrip("."), node)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]", node)

    for key, value in doc.items():
        if key == "nodes" and isinstance(value, list):
            for i, raw in enumerate(value):
                node_id = raw.get("id") if isinstance(raw, dict) and _valid_id(raw.get("id")) else None
                walk(raw, "" if node_id else f"nodes[{i}]", node_id)
        else:
            walk(value, str(key) if _encodable(str(key)) else json.dumps(key), None)
    return errors


def write_document(graph: Graph | dict) -> str:
    """The document as JSON text that can always be saved as UTF-8 (lone surrogates, which ``check``
    refuses, are kept as \\u escapes so that a file with them can still be stored and fixed)."""
    doc = graph.to_document() if isinstance(graph, Graph) else graph
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    return text if _encodable(text) else json.dumps(doc, indent=2) + "\n"


# -- structure ----------------------------------------------------------------------
def _is_ui_key(key) -> bool:
    return isinstance(key, str) and key.startswith("ui")


def _valid_id(value) -> bool:
    return isinstance(value, str) and bool(NAME_RE.match(value))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(doc: dict) -> tuple[Graph, list[CheckError]]:
    """The document as a Graph, and every structural error in it."""
    errors: list[CheckError] = _unencodable_text(doc)
    for key in doc:
        if key not in TOP_KEYS and not _is_ui_key(key):
            errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "document"}))
    name = doc.get("name", "model")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        errors.append(CheckError("graph.bad_field", {"field": "name", "received": _short(name)}))
        name = "model"
    meta = _parse_meta(doc.get("meta", {}), errors)

    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list):
        errors.append(CheckError("graph.bad_field", {"field": "nodes", "received": _short(raw_nodes)}))
        raw_nodes = []
    raw_edges = doc.get("edges", [])
    if not isinstance(raw_edges, list):
        errors.append(CheckError("graph.bad_field", {"field": "edges", "received": _short(raw_edges)}))
        raw_edges = []
    if len(raw_nodes) > MAX_NODES or len(raw_edges) > MAX_EDGES:
        errors.append(CheckError("graph.too_many", {"nodes": len(raw_nodes), "edges": len(raw_edges),
                                                    "max_nodes": MAX_NODES, "max_edges": MAX_EDGES}))
        raw_nodes, raw_edges = raw_nodes[:MAX_NODES], raw_edges[:MAX_EDGES]

    nodes, seen = [], set()
    for i, raw in enumerate(raw_nodes):
        node = _parse_node(i, raw, errors)
        if node is None:
            continue
        if node.id in seen:
            errors.append(CheckError("graph.duplicate_id", {"id": node.id}, node=node.id))
            continue
        seen.add(node.id)
        nodes.append(node)

    edges = []
    for raw in raw_edges:
        edge = _parse_edge(raw, seen, errors)
        if edge is not None:
            edges.append(edge)
    extra = {k: v for k, v in doc.items() if _is_ui_key(k)}
    return Graph(name=name, nodes=nodes, edges=edges, meta=meta, extra=extra), errors


def _parse_meta(meta, errors) -> dict:
    if not isinstance(meta, dict):
        errors.append(CheckError("graph.bad_field", {"field": "meta", "received": _short(meta)}))
        return {}
    out = {}
    for key, value in meta.items():
        if _is_ui_key(key):
            out[key] = value
        elif key not in META_KEYS:
            errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "meta"}))
        elif key == "description":
            if isinstance(value, str):
                value = {"en": value}
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_TEXT for k, v in value.items()):
                errors.append(CheckError("graph.bad_field", {"field": "meta.description", "received": _short(value)}))
            else:
                out[key] = value
        elif key == "mode" and value not in MODES:
            errors.append(CheckError("graph.bad_field", {"field": "meta.mode", "received": _short(value)}))
        elif key in ("data", "partner") and not (isinstance(value, str) and len(value) <= 200):
            errors.append(CheckError("graph.bad_field", {"field": f"meta.{key}", "received": _short(value)}))
        else:
            out[key] = value
    return out


def _parse_node(index: int, raw, errors) -> Node | None:
    if not isinstance(raw, dict):
        errors.append(CheckError("graph.bad_node", {"index": index, "received": _short(raw)}))
        return None
    node_id = raw.get("id")
    if not _valid_id(node_id):
        errors.append(CheckError("graph.bad_id", {"index": index, "received": _short(node_id)}))
        return None
    type_name = raw.get("type")
    if not isinstance(type_name, str):
        errors.append(CheckError("graph.bad_field", {"field": "type", "received": _short(type_name)}, node=node_id))
        type_name = ""
    params = raw.get("params", {})
    if not isinstance(params, dict):
        errors.append(CheckError("graph.bad_field", {"field": "params", "received": _short(params)}, node=node_id))
        params = {}
    pos = raw.get("pos")
    if pos is not None and not (isinstance(pos, list) and len(pos) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) < 1e7 for v in pos)):
        errors.append(CheckError("graph.bad_field", {"field": "pos", "received": _short(pos)}, node=node_id))
        pos = None
    extra = {}
    for key, value in raw.items():
        if _is_ui_key(key):
            extra[key] = value
        elif key not in ("id", "type", "params", "pos"):
            errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "node"}, node=node_id))
    return Node(id=node_id, type=type_name, params=params, pos=pos, extra=extra)


def _parse_edge(raw, ids: set, errors) -> Edge | None:
    if not isinstance(raw, dict):
        errors.append(CheckError("graph.bad_edge", {"received": _short(raw)}))
        return None
    source, target, port = raw.get("source"), raw.get("target"), raw.get("port", 0)
    bad_keys = [k for k in raw if k not in ("source", "target", "port") and not _is_ui_key(k)]
    if not _valid_id(source) or not _valid_id(target):
        errors.append(CheckError("graph.bad_edge", {"received": _short(raw)}))
        return None
    edge = (source, target)
    for key in bad_keys:
        errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "edge"}, edge=edge))
    if not _is_int(port) or not 0 <= port < 1024:
        errors.append(CheckError("graph.bad_port", {"received": _short(port)}, edge=edge))
        return None
    missing = [n for n in edge if n not in ids]
    if missing:
        errors.append(CheckError("graph.unknown_node", {"nodes": missing}, edge=edge))
        return None
    return Edge(source, target, port)
