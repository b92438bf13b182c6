"""The checker: params against the catalog, graph rules (networkx), then shape inference.

``check(doc)`` never raises for anything inside the document: every problem is a
``CheckError`` naming its node or edge, and independent problems are all reported.
Parameter counts come from the catalog's formulas, so nothing is allocated.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from . import catalog
from .errors import CheckError, GraphError
from .graph import Graph, parse
from .i18n import DEFAULT_LANG

MAX_PARAMS = 2_000_000_000


@dataclass
class CheckResult:
    graph: Graph
    errors: list[CheckError]
    shapes: dict[str, tuple | None] = field(default_factory=dict)
    dtypes: dict[str, str | None] = field(default_factory=dict)
    params: dict[str, dict] = field(default_factory=dict)    # validated params, defaults filled in
    counts: dict[str, int] = field(default_factory=dict)     # trainable parameters per node
    inputs: dict[str, list] = field(default_factory=dict)    # node -> source id per port
    order: list[str] = field(default_factory=list)           # topological order (acyclic part)
    advice: list[CheckError] = field(default_factory=list)   # checks, but may not train well (builder.advice)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.counts.values())

    def errors_for(self, node_id: str) -> list[CheckError]:
        return [e for e in self.errors if e.node == node_id]

    def input_nodes(self) -> list[str]:
        return [n.id for n in self.graph.nodes if n.type == "Input"]

    def output_nodes(self) -> list[str]:
        return [n.id for n in self.graph.nodes if n.type == "Output"]

    def io_name(self, node_id: str) -> str:
        """The name an Input/Output binds by: its ``name`` param, else its id."""
        return (self.params.get(node_id) or {}).get("name") or node_id

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        return {
            "ok": self.ok,
            "errors": [e.to_json(lang) for e in self.errors],
            "shapes": {n.id: (list(self.shapes[n.id]) if self.shapes.get(n.id) is not None else None)
                       for n in self.graph.nodes},
            "params": self.total_params,
            "advice": [a.to_json(lang) for a in self.advice],
        }


def check(doc: dict | Graph) -> CheckResult:
    if isinstance(doc, Graph):
        graph, errors = doc, []
    else:
        graph, errors = parse(doc)
    result = CheckResult(graph=graph, errors=errors)
    specs = _check_params(graph, result)
    blocked = _check_ports(graph, specs, result)
    _check_structure(graph, specs, blocked, result)
    _infer(graph, specs, blocked, result)
    _check_totals(graph, result)
    # Stable order: document order of nodes, graph-level errors first.
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    result.errors.sort(key=lambda e: (e.node is not None or e.edge is not None,
                                      position.get(e.node, position.get(e.edge[1] if e.edge else None, -1))))
    if result.ok:
        from .advice import advise
        result.advice = advise(result)
    return result


def _check_params(graph: Graph, result: CheckResult) -> dict:
    """Catalog lookup and param validation per node; returns the specs of nodes whose params are valid."""
    specs = {}
    for node in graph.nodes:
        spec = catalog.get(node.type)
        if spec is None:
            result.errors.append(CheckError("graph.unknown_type", {"type": node.type[:60]}, node=node.id))
            continue
        errs, resolved = [], {}
        known = {p.name for p in spec.params}
        for key in node.params:
            if key not in known:
                errs.append(CheckError("param.unknown", {"param": str(key)[:60], "layer": spec.type,
                                                         "params": sorted(known)}, node=node.id))
        for p in spec.params:
            try:
                if p.name in node.params:
                    resolved[p.name] = p.validate(node.params[p.name])
                elif p.required:
                    raise GraphError("param.required", param=p.name, layer=spec.type)
                else:
                    resolved[p.name] = p.default_for(node.params)
            except GraphError as exc:
                errs.append(CheckError(exc.code, exc.info, node=node.id))
        if not errs and spec.check is not None:
            try:
                spec.check(resolved)
            except GraphError as exc:
                errs.append(CheckError(exc.code, exc.info, node=node.id))
        result.errors.extend(errs)
        # Specs of nodes with bad params are kept for the port rules; shapes skip them.
        specs[node.id] = (spec, None if errs else resolved)
        if not errs:
            result.params[node.id] = resolved
    return specs


def _check_ports(graph: Graph, specs: dict, result: CheckResult) -> set:
    """Each port fed exactly once, contiguous from 0, within the layer's arity. Returns blocked nodes."""
    feeds: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in graph.edges:
        feeds[e.target][e.port].append(e.source)
    blocked = set()
    types = {n.id: n.type for n in graph.nodes}
    for e in graph.edges:
        if types.get(e.source) == "Output":
            result.errors.append(CheckError("graph.output_source", {}, edge=(e.source, e.target)))
            blocked.add(e.target)
    for node in graph.nodes:
        ports = feeds.get(node.id, {})
        if node.id not in specs:
            blocked.add(node.id)
            continue
        spec = specs[node.id][0]
        lo, hi = spec.inputs
        before = len(result.errors)
        if hi == 0:
            for port, sources in sorted(ports.items()):
                for s in sources:
                    result.errors.append(CheckError("graph.no_inputs", {"layer": spec.type}, edge=(s, node.id)))
            continue
        for port, sources in sorted(ports.items()):
            if len(sources) > 1:
                result.errors.append(CheckError("graph.port_repeated", {"port": port, "nodes": sources}, node=node.id))
        count = (max(ports) + 1) if ports else 0
        for port in range(count):
            if port not in ports:
                result.errors.append(CheckError("graph.port_missing", {"port": port}, node=node.id))
        if hi is not None and count > hi:
            result.errors.append(CheckError("graph.too_many_inputs", {"layer": spec.type, "max": hi, "received": count},
                                            node=node.id))
        elif count == 0 and lo > 0:
            result.errors.append(CheckError("graph.missing_input", {"layer": spec.type}, node=node.id))
        elif count < lo:
            result.errors.append(CheckError("graph.too_few_inputs", {"layer": spec.type, "min": lo, "received": count},
                                            node=node.id))
        result.inputs[node.id] = [ports[p][0] if p in ports else None for p in range(count)]
        if len(result.errors) > before:
            blocked.add(node.id)
    return blocked


def _check_structure(graph: Graph, specs: dict, blocked: set, result: CheckResult) -> None:
    """Cycles, and every node reachable from an Input and reaching an Output; the acyclic part's order."""
    g = graph.nx()
    inputs = [n.id for n in graph.nodes if n.type == "Input"]
    outputs = [n.id for n in graph.nodes if n.type == "Output"]
    if not graph.nodes:
        result.errors.append(CheckError("graph.empty", {}))
    else:
        if not inputs:
            result.errors.append(CheckError("graph.no_input", {}))
        if not outputs:
            result.errors.append(CheckError("graph.no_output", {}))
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    on_cycle = set()
    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1 or g.has_edge(next(iter(scc)), next(iter(scc))):
            members = sorted(scc, key=position.__getitem__)
            cycle = [u for u, _, *_ in nx.find_cycle(g.subgraph(scc), source=members[0])]
            result.errors.append(CheckError("graph.cycle", {"path": cycle + [cycle[0]]}, node=members[0]))
            on_cycle |= scc
    reached = _reach(g, inputs, forward=True)
    reaches = _reach(g, outputs, forward=False)
    missing_input = {e.node for e in result.errors if e.code == "graph.missing_input"}
    for node in graph.nodes:
        if node.id in on_cycle or node.id in missing_input:
            continue
        if inputs and node.id not in reached:
            result.errors.append(CheckError("graph.unreachable", {}, node=node.id))
        elif outputs and node.id not in reaches:
            result.errors.append(CheckError("graph.dead_end", {}, node=node.id))
    dag = g.copy()
    dag.remove_nodes_from(on_cycle)
    result.order = list(nx.lexicographical_topological_sort(dag, key=position.__getitem__))


def _reach(g: nx.MultiDiGraph, sources: list, forward: bool) -> set:
    seen, stack = set(sources), list(sources)
    step = g.successors if forward else g.predecessors
    while stack:
        for nxt in step(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _infer(graph: Graph, specs: dict, blocked: set, result: CheckResult) -> None:
    for node_id in result.order:
        result.shapes[node_id] = None
        result.dtypes[node_id] = None
        if node_id not in specs or node_id in blocked:
            continue
        spec, params = specs[node_id]
        sources = result.inputs.get(node_id, [])
        if params is None or any(s is None for s in sources):
            continue
        in_shapes = [result.shapes.get(s) for s in sources]
        in_dtypes = [result.dtypes.get(s) for s in sources]
        if any(s is None for s in in_shapes):
            continue   # an upstream error explains this node; report nothing twice
        try:
            _check_dtypes(spec, in_dtypes)
            shape = tuple(spec.infer(in_shapes, params))
            result.counts[node_id] = int(spec.count(in_shapes, params))
        except GraphError as exc:
            result.errors.append(CheckError(exc.code, exc.info, node=node_id))
            continue
        result.shapes[node_id] = shape
        out = spec.dtype_out
        result.dtypes[node_id] = out(params) if callable(out) else ("float32" if out == "float" else in_dtypes[0])
    for node in graph.nodes:
        result.shapes.setdefault(node.id, None)
        result.dtypes.setdefault(node.id, None)


def _check_dtypes(spec, dtypes: list) -> None:
    if spec.dtype_in == "float" and "int64" in dtypes:
        raise GraphError("shape.dtype_float", layer=spec.type)
    if spec.dtype_in == "int" and any(d != "int64" for d in dtypes):
        raise GraphError("shape.dtype_int", layer=spec.type, received=dtypes[0])
    if spec.dtype_in == "any" and len(set(dtypes)) > 1:
        raise GraphError("shape.dtype_mixed", layer=spec.type)


def _check_totals(graph: Graph, result: CheckResult) -> None:
    total = result.total_params
    if total > MAX_PARAMS:
        result.errors.append(CheckError("model.too_large", {"params": total, "limit": MAX_PARAMS}))
    for kind in ("Input", "Output"):
        names = defaultdict(list)
        for node in graph.nodes:
            if node.type == kind and node.id in result.params:
                names[result.io_name(node.id)].append(node.id)
        for name, ids in names.items():
            for node_id in ids[1:]:
                result.errors.append(CheckError("graph.duplicate_name", {"name": name, "kind": kind, "other": ids[0]},
                                                node=node_id))
