"""The graph document (NetCanvas graph format, versions 1 and 2): read, validate its structure, write.

``read_document`` turns bytes/text into a dict or raises ``FormatError`` (the file is
not a graph we can read: CLI exit 2). ``parse`` checks the document's structure and
returns a ``Graph`` plus every structural error found (never raising for content).
Version 2 adds blocks: named sub-graphs (``BlockDef``) used by ``Block`` instance nodes.
A graph is written as version 2 only when it has blocks, so a version 1 file reads and
writes as it always did.
"""
from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from .errors import CheckError, FormatError, GraphError
from .params import NAME_RE, REQUIRED, Param

FORMAT = "netcanvas.graph"
VERSION = 1                     # a graph without blocks
BLOCKS_VERSION = 2              # a graph with blocks
VERSIONS = (VERSION, BLOCKS_VERSION)
MAX_BYTES = 8 * 1024 * 1024     # a 5,000-layer graph is well under 1 MB
MAX_DEPTH = 32                  # nesting of JSON arrays/objects
MAX_NODES = 10_000
MAX_EDGES = 40_000
MAX_TEXT = 4_000                # any free-text field (description)
MAX_BLOCKS = 500                # block definitions in one document
MAX_BLOCK_DEPTH = 16            # instances inside instances inside ...
MAX_EXPANDED_NODES = MAX_NODES  # nodes with every instance expanded (a blow-up stops here)
MAX_BLOCK_PARAMS = 32
MAX_CHOICES = 64
MODES = ("classification", "regression", "autoencoder", "vae", "gan-generator", "gan-discriminator", "rl", "language_model")
TOP_KEYS = {"format", "version", "name", "meta", "nodes", "edges"}
BLOCKS_KEY = "blocks"
META_KEYS = {"description", "data", "mode", "partner"}
BLOCK_KEYS = {"name", "params", "nodes", "edges"}
BLOCK_PARAM_KEYS = {"kind", "default", "lo", "hi", "choices", "help"}
BLOCK_PARAM_KINDS = ("int", "float", "bool", "choice")
INSTANCE = "Block"              # the node type of a block instance
PARAM_REF = "$param"            # {"$param": "planes"}: a block param's value inside its definition
CLASS_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")   # block names and block param names


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
    source_port: int = 0    # which output of the source: only a block instance has more than one

    def to_document(self) -> dict:
        return {"source": self.source, "target": self.target, **({"port": self.port} if self.port else {}),
                **({"source_port": self.source_port} if self.source_port else {})}


@dataclass
class Graph:
    name: str
    nodes: list[Node]
    edges: list[Edge]
    meta: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    blocks: list["BlockDef"] = field(default_factory=list)   # version 2: block definitions

    def node(self, node_id: str) -> Node | None:
        return self._by_id.get(node_id)

    @cached_property
    def _by_id(self) -> dict:
        # built once: codegen and the summary look up every node (a parsed graph is never changed)
        return {n.id: n for n in self.nodes}

    def block(self, name) -> "BlockDef | None":
        """The definition called ``name`` (None: no such block)."""
        return self._blocks_by_name.get(name) if isinstance(name, str) else None

    @cached_property
    def _blocks_by_name(self) -> dict:
        return {b.name: b for b in self.blocks}

    @cached_property
    def block_plan(self) -> "BlockPlan":
        """How the definitions use each other: their order, which may be expanded, and the errors
        (cycles, nesting too deep, too many nodes once expanded)."""
        return plan_blocks(self)

    def input_nodes(self) -> list[str]:
        """Input node ids in document order (a block's: its instance's input ports 0, 1, ...)."""
        return [n.id for n in self.nodes if n.type == "Input"]

    def output_nodes(self) -> list[str]:
        return [n.id for n in self.nodes if n.type == "Output"]

    def has_blocks(self) -> bool:
        return bool(self.blocks) or any(n.type == INSTANCE for n in self.nodes)

    def nx(self) -> nx.MultiDiGraph:
        """The networkx view: one node per id, edges keyed by target port (Add(x, x) keeps both)."""
        g = nx.MultiDiGraph()
        for n in self.nodes:
            g.add_node(n.id, type=n.type)
        for e in self.edges:
            g.add_edge(e.source, e.target, key=e.port)
        return g

    def to_document(self) -> dict:
        """Version 2 when the graph has blocks, else version 1 exactly as before."""
        doc = {"format": FORMAT, "version": BLOCKS_VERSION if self.has_blocks() else VERSION, "name": self.name}
        if self.meta:
            doc["meta"] = self.meta
        if self.blocks:
            doc[BLOCKS_KEY] = [b.to_document() for b in self.blocks]
        doc.update(_body_document(self))
        doc.update(self.extra)
        return doc


@dataclass
class BlockDef(Graph):
    """A block definition: a named sub-graph with typed params. Its Input nodes are the instance's
    input ports (in document order), its Output nodes the instance's outputs. ``params`` holds the
    declarations as written; ``declared`` the valid ones as ``Param`` objects."""
    params: dict = field(default_factory=dict)
    declared: dict = field(default_factory=dict)     # name -> Param

    def to_document(self) -> dict:
        doc = {"name": self.name}
        if self.params:
            doc["params"] = self.params
        doc.update(_body_document(self))
        doc.update(self.extra)
        return doc


def _body_document(graph: Graph) -> dict:
    nodes = []
    for n in graph.nodes:
        item = {"id": n.id, "type": n.type, "params": n.params}
        if n.pos is not None:
            item["pos"] = n.pos
        item.update(n.extra)
        nodes.append(item)
    return {"nodes": nodes, "edges": [e.to_document() for e in graph.edges]}


def param_ref(value) -> str | None:
    """The block param a node param refers to (``{"$param": "planes"}`` -> ``"planes"``), else None."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(PARAM_REF), str):
        return value[PARAM_REF]
    return None


def instance_block(node: Node) -> str | None:
    """The block name an instance node uses (None: not an instance, or no name given)."""
    if node.type != INSTANCE:
        return None
    name = node.params.get("block")
    return name if isinstance(name, str) else None


@dataclass
class BlockPlan:
    """How the block definitions of a graph use each other (``plan_blocks``)."""
    order: list[str]                  # definitions, each after the ones it uses (the acyclic ones)
    expandable: frozenset             # definitions whose instances may be checked and built
    used: frozenset                   # definitions the graph's instances reach
    errors: list[CheckError]


def plan_blocks(graph: Graph) -> BlockPlan:
    """The use graph of the definitions: cycles (``graph.cycle`` on the block), nesting deeper than
    MAX_BLOCK_DEPTH and more than MAX_EXPANDED_NODES nodes once every instance is expanded are
    refused here, before anything is expanded; such definitions are not expandable."""
    names = [b.name for b in graph.blocks]
    uses = nx.DiGraph()
    uses.add_nodes_from(names)
    for b in graph.blocks:
        for n in b.nodes:
            used = instance_block(n)
            if graph.block(used) is not None:
                uses.add_edge(b.name, used)
    errors, cyclic = [], set()
    position = {name: i for i, name in enumerate(names)}
    for scc in nx.strongly_connected_components(uses):
        first = min(scc, key=position.__getitem__)
        if len(scc) > 1 or uses.has_edge(first, first):
            cycle = [u for u, _ in nx.find_cycle(uses.subgraph(scc), source=first)]
            errors.append(CheckError("graph.cycle", {"path": cycle + [cycle[0]]}, block=first))
            cyclic |= nx.ancestors(uses, first) | scc      # whatever uses a cycle cannot be expanded either
    acyclic = uses.copy()
    acyclic.remove_nodes_from(cyclic)
    order = list(reversed(list(nx.lexicographical_topological_sort(acyclic, key=position.__getitem__))))
    depth, size = {}, {}
    for name in order:                              # children first: each one's depth and expanded size
        block = graph.block(name)
        inner = [instance_block(n) for n in block.nodes if n.type == INSTANCE]
        inner = [b for b in inner if b in depth]
        depth[name] = 1 + max((depth[b] for b in inner), default=0)
        size[name] = sum(1 for n in block.nodes if n.type != INSTANCE) + sum(size[b] for b in inner)
    top = [instance_block(n) for n in graph.nodes if n.type == INSTANCE]
    top_size = sum(1 for n in graph.nodes if n.type != INSTANCE) + sum(size.get(b, 0) for b in top)
    deepest = max(depth.values(), default=0)
    largest = max([top_size, *size.values()])
    expandable = set(order)
    if deepest > MAX_BLOCK_DEPTH:
        errors.append(CheckError("graph.blocks_too_deep", {"depth": deepest, "limit": MAX_BLOCK_DEPTH}))
        expandable = set()
    if largest > MAX_EXPANDED_NODES:
        errors.append(CheckError("graph.too_many_expanded", {"nodes": largest, "limit": MAX_EXPANDED_NODES}))
        expandable = set()
    used = set()
    stack = [b for b in top if graph.block(b) is not None]
    while stack:
        name = stack.pop()
        if name not in used:
            used.add(name)
            stack.extend(uses.successors(name))
    return BlockPlan(order=order, expandable=frozenset(expandable), used=frozenset(used), errors=errors)


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


def copy_document(value):
    """A copy of a graph document (or any part of one) that shares nothing mutable with it: what
    ``copy.deepcopy`` gives for a tree of dicts, lists, tuples and scalars (a document is one), three
    times faster (an edit of a 200-node graph copies it two or three times on the way to the canvas)."""
    kind = type(value)
    if kind is dict:
        return {k: copy_document(v) for k, v in value.items()}
    if kind is list:
        return [copy_document(v) for v in value]
    if kind is tuple:
        return tuple(copy_document(v) for v in value)
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)     # anything else a caller put in (a document read from JSON has none)


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
    if isinstance(version, bool) or version not in VERSIONS:
        raise FormatError("format.unknown_version", received=_short(version), expected=list(VERSIONS))
    return doc


def versioned(doc: dict) -> dict:
    """The document with the version its content needs: 2 when it has blocks (definitions or
    instances), else 1, without an empty ``blocks`` list. What ``write_document`` writes."""
    nodes = doc.get("nodes") if isinstance(doc.get("nodes"), list) else []
    has_blocks = bool(doc.get(BLOCKS_KEY)) or any(isinstance(n, dict) and n.get("type") == INSTANCE for n in nodes)
    out = dict(doc)
    out["version"] = BLOCKS_VERSION if has_blocks else VERSION
    if not has_blocks and out.get(BLOCKS_KEY) == []:
        del out[BLOCKS_KEY]
    return out


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
    try:   # the usual case, found at C speed: every key and text encodes (a 200-node graph: 0.4 ms, not 1.2)
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return []
    except (UnicodeEncodeError, TypeError, ValueError, RecursionError):
        pass                       # which text, or something JSON cannot hold: the walk below says
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
    doc = graph.to_document() if isinstance(graph, Graph) else (
        versioned(graph) if graph.get("format") == FORMAT and graph.get("version") in VERSIONS else graph)
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
    blocks_allowed = doc.get("version") == BLOCKS_VERSION
    for key in doc:
        if key == BLOCKS_KEY and not blocks_allowed:
            errors.append(CheckError("graph.blocks_version", {"version": _short(doc.get("version"))}))
        elif key not in TOP_KEYS and key != BLOCKS_KEY and not _is_ui_key(key):
            errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "document"}))
    name = doc.get("name", "model")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        errors.append(CheckError("graph.bad_field", {"field": "name", "received": _short(name)}))
        name = "model"
    meta = _parse_meta(doc.get("meta", {}), errors)

    raw_nodes, raw_edges = _raw_lists(doc, errors)
    raw_blocks = doc.get(BLOCKS_KEY, []) if blocks_allowed else []
    if not isinstance(raw_blocks, list):
        errors.append(CheckError("graph.bad_field", {"field": BLOCKS_KEY, "received": _short(raw_blocks)}))
        raw_blocks = []
    if len(raw_blocks) > MAX_BLOCKS:
        errors.append(CheckError("graph.too_many_blocks", {"blocks": len(raw_blocks), "limit": MAX_BLOCKS}))
        raw_blocks = raw_blocks[:MAX_BLOCKS]
    inner_lists = [_lists_of(raw) for raw in raw_blocks]
    node_count = len(raw_nodes) + sum(len(nodes) for nodes, _ in inner_lists)
    edge_count = len(raw_edges) + sum(len(edges) for _, edges in inner_lists)
    if node_count > MAX_NODES or edge_count > MAX_EDGES:
        errors.append(CheckError("graph.too_many", {"nodes": node_count, "edges": edge_count,
                                                    "max_nodes": MAX_NODES, "max_edges": MAX_EDGES}))
        raw_nodes, raw_edges, raw_blocks = raw_nodes[:MAX_NODES], raw_edges[:MAX_EDGES], []

    nodes, edges = _parse_body(raw_nodes, raw_edges, errors, source_ports=blocks_allowed)
    blocks = _parse_blocks(raw_blocks, errors)
    extra = {k: v for k, v in doc.items() if _is_ui_key(k)}
    graph = Graph(name=name, nodes=nodes, edges=edges, meta=meta, extra=extra, blocks=blocks)
    errors.extend(graph.block_plan.errors)
    return graph, errors


def _raw_lists(doc: dict, errors: list) -> tuple[list, list]:
    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list):
        errors.append(CheckError("graph.bad_field", {"field": "nodes", "received": _short(raw_nodes)}))
        raw_nodes = []
    raw_edges = doc.get("edges", [])
    if not isinstance(raw_edges, list):
        errors.append(CheckError("graph.bad_field", {"field": "edges", "received": _short(raw_edges)}))
        raw_edges = []
    return raw_nodes, raw_edges


def _lists_of(raw_block) -> tuple[list, list]:
    """A definition's node and edge lists as written (empty where they are not lists), for counting."""
    if not isinstance(raw_block, dict):
        return [], []
    nodes, edges = raw_block.get("nodes"), raw_block.get("edges")
    return (nodes if isinstance(nodes, list) else []), (edges if isinstance(edges, list) else [])


def _parse_body(raw_nodes: list, raw_edges: list, errors: list, source_ports: bool) -> tuple[list, list]:
    """Nodes (unique ids) and edges of a graph or a block definition."""
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
        edge = _parse_edge(raw, seen, errors, source_ports)
        if edge is not None:
            edges.append(edge)
    return nodes, edges


def _parse_blocks(raw_blocks: list, errors: list) -> list[BlockDef]:
    """The definitions; an error in one names its ``block`` (and the node or edge inside it)."""
    blocks, names = [], set()
    for index, raw in enumerate(raw_blocks):
        if not isinstance(raw, dict):
            errors.append(CheckError("graph.bad_block", {"index": index, "received": _short(raw)}))
            continue
        name = raw.get("name")
        if not (isinstance(name, str) and CLASS_NAME_RE.match(name)):
            errors.append(CheckError("graph.bad_block_name", {"index": index, "received": _short(name)}))
            continue
        if name in names:
            errors.append(CheckError("graph.duplicate_block", {}, block=name))
            continue
        names.add(name)
        inner: list[CheckError] = []
        for key in raw:
            if key not in BLOCK_KEYS and not _is_ui_key(key):
                inner.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "block"}))
        raw_nodes, raw_edges = _raw_lists(raw, inner)
        nodes, edges = _parse_body(raw_nodes, raw_edges, inner, source_ports=True)
        params = raw.get("params", {})
        declared = _parse_block_params(params, inner)
        errors.extend(e.in_block(name) for e in inner)
        blocks.append(BlockDef(name=name, nodes=nodes, edges=edges, params=params if isinstance(params, dict) else {},
                               declared=declared, extra={k: v for k, v in raw.items() if _is_ui_key(k)}))
    return blocks


def _parse_block_params(params, errors: list) -> dict[str, Param]:
    """A definition's param declarations as ``Param`` objects: ``{"kind", "default", "lo", "hi",
    "choices", "help"}``; a declaration without ``default`` is required at every instance."""
    if not isinstance(params, dict):
        errors.append(CheckError("graph.bad_field", {"field": "params", "received": _short(params)}))
        return {}
    if len(params) > MAX_BLOCK_PARAMS:
        errors.append(CheckError("block.too_many_params", {"params": len(params), "limit": MAX_BLOCK_PARAMS}))
        return {}
    declared = {}
    for name, raw in params.items():
        if not CLASS_NAME_RE.match(name):
            errors.append(CheckError("block.bad_param_name", {"received": _short(name)}))
            continue
        if not isinstance(raw, dict):
            errors.append(CheckError("block.bad_param", {"param": name, "field": "params", "received": _short(raw)}))
            continue
        unknown = [k for k in raw if k not in BLOCK_PARAM_KEYS]
        if unknown:
            errors.append(CheckError("graph.unknown_key", {"key": _short(unknown[0]), "where": "block param"}))
            continue
        field_name = _bad_declaration_field(raw)
        if field_name is not None:
            errors.append(CheckError("block.bad_param", {"param": name, "field": field_name,
                                                         "received": _short(raw.get(field_name))}))
            continue
        param = _declared_param(name, raw)
        if "default" in raw:
            try:
                param.validate(raw["default"])
            except GraphError as exc:
                errors.append(CheckError(exc.code, exc.info))
                continue
        declared[name] = param
    return declared


def block_param_errors(params) -> list[CheckError]:
    """What is wrong with a definition's param declarations (empty: they are fine)."""
    errors: list[CheckError] = []
    _parse_block_params(params, errors)
    return errors


def _bad_declaration_field(raw: dict) -> str | None:
    """The first field of a param declaration with a value it may not have (None: all are fine)."""
    kind = raw.get("kind")
    if kind not in BLOCK_PARAM_KINDS:
        return "kind"
    for bound in ("lo", "hi"):
        value = raw.get(bound)
        if value is not None and (kind not in ("int", "float") or isinstance(value, bool) or not isinstance(
                value, (int, float)) or not math.isfinite(value)):
            return bound
    choices = raw.get("choices")
    if (kind == "choice") != (choices is not None) or kind == "choice" and not (
            isinstance(choices, list) and 1 <= len(choices) <= MAX_CHOICES
            and all(isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in choices)):
        return "choices"
    help_text = raw.get("help")
    if help_text is not None and not (isinstance(help_text, dict) and all(
            isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_TEXT for k, v in help_text.items())):
        return "help"
    return None


def _declared_param(name: str, raw: dict) -> Param:
    return Param(name, raw["kind"], raw.get("default", REQUIRED), dict(raw.get("help") or {}),
                 lo=raw.get("lo"), hi=raw.get("hi"), choices=tuple(raw.get("choices") or ()), torch_arg=False)


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


def _parse_edge(raw, ids: set, errors, source_ports: bool) -> Edge | None:
    if not isinstance(raw, dict):
        errors.append(CheckError("graph.bad_edge", {"received": _short(raw)}))
        return None
    source, target, port = raw.get("source"), raw.get("target"), raw.get("port", 0)
    source_port = raw.get("source_port", 0) if source_ports else 0
    known = ("source", "target", "port", "source_port") if source_ports else ("source", "target", "port")
    bad_keys = [k for k in raw if k not in known and not _is_ui_key(k)]
    if not _valid_id(source) or not _valid_id(target):
        errors.append(CheckError("graph.bad_edge", {"received": _short(raw)}))
        return None
    edge = (source, target)
    for key in bad_keys:
        errors.append(CheckError("graph.unknown_key", {"key": _short(key), "where": "edge"}, edge=edge))
    for value in (port, source_port):
        if not _is_int(value) or not 0 <= value < 1024:
            errors.append(CheckError("graph.bad_port", {"received": _short(value)}, edge=edge))
            return None
    missing = [n for n in edge if n not in ids]
    if missing:
        errors.append(CheckError("graph.unknown_node", {"nodes": missing}, edge=edge))
        return None
    return Edge(source, target, port, source_port)
