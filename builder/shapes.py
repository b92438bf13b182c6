"""The checker: params against the catalog, graph rules (networkx), then shape inference.

``check(doc)`` never raises for anything inside the document: every problem is a
``CheckError`` naming its node or edge, and independent problems are all reported.
Parameter counts come from the catalog's formulas, so nothing is allocated.

A block instance is checked as its definition with the shapes that feed it and its args put
where the definition says ``{"$param": name}``: ``CheckResult.instances[id]`` is that check (a
``CheckResult`` of the definition, with its own instances inside), and an error inside is the
instance's error with a ``path`` down to the node. Instances with the same block, args and input
shapes share one check.
"""
from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx

from . import catalog
from .errors import PATH_SEP, CheckError, GraphError
from .graph import INSTANCE, BlockDef, Graph, instance_block, param_ref, parse
from .i18n import DEFAULT_LANG

MAX_PARAMS = 2_000_000_000
INSTANCE_KEYS = ("args", "block")     # the params of a Block node


@dataclass
class CheckResult:
    graph: Graph                # the graph, or (for an instance's inside) the block definition
    errors: list[CheckError]
    shapes: dict[str, tuple | None] = field(default_factory=dict)   # an instance: its first output's shape
    dtypes: dict[str, str | None] = field(default_factory=dict)
    params: dict[str, dict] = field(default_factory=dict)    # validated params, defaults filled in
    counts: dict[str, int] = field(default_factory=dict)     # trainable parameters per node (an instance: all inside)
    inputs: dict[str, list] = field(default_factory=dict)    # node -> source id per port
    order: list[str] = field(default_factory=list)           # topological order (acyclic part)
    advice: list[CheckError] = field(default_factory=list)   # checks, but may not train well (builder.advice)
    input_ports: dict[str, list] = field(default_factory=dict)      # node -> source output per port (0 but for instances)
    instances: dict[str, "CheckResult"] = field(default_factory=dict)  # instance id -> the check of its inside
    port_shapes: dict[str, list] = field(default_factory=dict)      # instance id -> shape per block output
    port_dtypes: dict[str, list] = field(default_factory=dict)
    args: dict = field(default_factory=dict)                 # an instance's inside: the block params' values

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.counts.values())

    def errors_for(self, node_id: str) -> list[CheckError]:
        return [e for e in self.errors if e.node == node_id]

    def shape_at(self, node_id: str | None, port: int = 0) -> tuple | None:
        """The shape of output ``port`` of a node (only a block instance has more than one)."""
        if node_id in self.port_shapes:
            shapes = self.port_shapes[node_id]
            return shapes[port] if port < len(shapes) else None
        return self.shapes.get(node_id) if port == 0 else None

    def dtype_at(self, node_id: str | None, port: int = 0) -> str | None:
        if node_id in self.port_dtypes:
            dtypes = self.port_dtypes[node_id]
            return dtypes[port] if port < len(dtypes) else None
        return self.dtypes.get(node_id) if port == 0 else None

    def sources(self, node_id: str) -> list[tuple[str | None, int]]:
        """(source node, source output) per input port of a node."""
        ids = self.inputs.get(node_id, [])
        ports = self.input_ports.get(node_id) or [0] * len(ids)
        return list(zip(ids, ports))

    def input_shapes(self, node_id: str) -> list[tuple | None]:
        return [self.shape_at(s, p) for s, p in self.sources(node_id)]

    def inner(self, path) -> "CheckResult | None":
        """The check of the inside of the instance at ``path`` (instance ids from this graph down)."""
        result = self
        for instance in path:
            result = result.instances.get(instance)
            if result is None:
                return None
        return result

    def walk(self, prefix: tuple = ()):
        """(path, result) for this result and the inside of every instance in it, depth first."""
        yield prefix, self
        for node in self.graph.nodes:
            inside = self.instances.get(node.id)
            if inside is not None:
                yield from inside.walk(prefix + (node.id,))

    def inner_shapes(self) -> dict[tuple, tuple | None]:
        """The shape of every node inside every instance, by path: ``{("layer1", "0", "conv1"): (64, 56, 56)}``
        (a nested instance's entry is its first output's shape)."""
        return {prefix + (n.id,): inside.shapes.get(n.id)
                for prefix, inside in self.walk() if prefix for n in inside.graph.nodes}

    def inner_counts(self) -> dict[tuple, int]:
        """Trainable parameters of every node inside every instance, by path (as ``inner_shapes``)."""
        return {prefix + (n.id,): inside.counts.get(n.id, 0)
                for prefix, inside in self.walk() if prefix for n in inside.graph.nodes}

    def input_nodes(self) -> list[str]:
        return [n.id for n in self.graph.nodes if n.type == "Input"]

    def output_nodes(self) -> list[str]:
        return [n.id for n in self.graph.nodes if n.type == "Output"]

    def io_name(self, node_id: str) -> str:
        """The name an Input/Output binds by: its ``name`` param, else its id."""
        return (self.params.get(node_id) or {}).get("name") or node_id

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        out = {
            "ok": self.ok,
            "errors": [e.to_json(lang) for e in self.errors],
            "shapes": {n.id: (list(self.shapes[n.id]) if self.shapes.get(n.id) is not None else None)
                       for n in self.graph.nodes},
            "params": self.total_params,
            "advice": [a.to_json(lang) for a in self.advice],
        }
        if self.instances:
            out["inner_shapes"] = {PATH_SEP.join(path): (list(shape) if shape is not None else None)
                                   for path, shape in self.inner_shapes().items()}
        return out


@dataclass(frozen=True)
class InstanceSpec:
    """What the port and shape rules need of a block instance: its definition and port counts."""
    block: BlockDef
    inputs: tuple[int, int]
    outputs: int

    @property
    def type(self) -> str:      # named in messages as a layer type is
        return self.block.name


@dataclass
class _Scope:
    """Where a body is checked: the graph's block table, and for a definition the instance's
    args (None: a definition no instance uses, checked with its defaults) and input shapes."""
    root: Graph
    memo: dict
    block: BlockDef | None = None
    args: dict | None = None
    in_shapes: list | None = None
    in_dtypes: list | None = None


def check(doc: dict | Graph) -> CheckResult:
    if isinstance(doc, Graph):
        graph, errors = doc, []
    else:
        graph, errors = parse(doc)
    result = _check_body(graph, _Scope(root=graph, memo={}), errors)
    _check_unused_blocks(graph, result)
    result.errors.sort(key=_error_order(graph))
    if result.ok:
        from .advice import advise
        result.advice = advise(result)
    return result


def _check_body(graph: Graph, scope: _Scope, errors: list[CheckError]) -> CheckResult:
    """The graph, or a block definition as one instance sees it."""
    result = CheckResult(graph=graph, errors=errors, args=dict(scope.args or {}))
    specs = _check_params(graph, result, scope)
    blocked = _check_ports(graph, specs, result)
    if scope.block is None:
        _check_structure(graph, result)
    else:
        _check_structure_once(graph, result, scope)
    _infer(graph, specs, blocked, result, scope)
    _check_totals(graph, result, scope)
    return result


def _error_order(graph: Graph):
    """Stable order: document order of nodes, graph-level (and block definition) errors first."""
    position = {n.id: i for i, n in enumerate(graph.nodes)}

    def key(e: CheckError):
        if e.block is not None or (e.node is None and e.edge is None):
            return (False, -1)
        return (True, position.get(e.node, position.get(e.edge[1] if e.edge else None, -1)))
    return key


def _check_instance(block: BlockDef, args: dict | None, in_shapes: list | None, in_dtypes: list | None,
                    scope: _Scope) -> CheckResult:
    """The inside of one instance; instances with the same block, args and input shapes share it."""
    key = (block.name, tuple(sorted((args or {}).items())), args is None,
           tuple(in_shapes) if in_shapes is not None else None, tuple(in_dtypes) if in_dtypes is not None else None)
    hit = scope.memo.get(key)
    if hit is None:
        inner = _Scope(root=scope.root, memo=scope.memo, block=block, args=args, in_shapes=in_shapes,
                       in_dtypes=in_dtypes)
        hit = scope.memo[key] = _check_body(block, inner, [])
    return hit


def _check_unused_blocks(graph: Graph, result: CheckResult) -> None:
    """A definition that no instance uses is still checked (with its defaults, shapes unknown), and
    its errors name the block; one used only by such a definition is checked through it."""
    plan = graph.block_plan
    unused = [name for name in plan.order if name not in plan.used]
    inside_unused = {instance_block(n) for name in unused for n in graph.block(name).nodes}
    for name in unused:
        if name in plan.expandable and name not in inside_unused:
            block = graph.block(name)
            inside = _check_instance(block, None, None, None, _Scope(root=graph, memo={}))
            result.errors.extend(e.in_block(name) for e in inside.errors)


def _check_params(graph: Graph, result: CheckResult, scope: _Scope) -> dict:
    """Catalog lookup and param validation per node; returns the specs of nodes whose params are valid."""
    specs = {}
    for node in graph.nodes:
        if node.type == INSTANCE:
            _check_instance_params(node, result, scope, specs)
            continue
        spec = catalog.get(node.type)
        if spec is None:
            result.errors.append(CheckError("graph.unknown_type", {"type": node.type[:60]}, node=node.id))
            continue
        errs = []
        given = _substituted(node, node.params, scope, errs)
        resolved = _resolve(spec, node, given, scope, errs) if given is not None else None
        result.errors.extend(errs)
        # Specs of nodes with bad params are kept for the port rules; shapes skip them.
        specs[node.id] = (spec, None if errs else resolved)
        if not errs and resolved is not None:
            result.params[node.id] = resolved
    return specs


def _resolve(spec, node, given: dict, scope: _Scope, errs: list) -> dict:
    """A layer node's params checked against its catalog entry, defaults filled in."""
    if scope.block is not None and spec.type == "Input":
        return _block_input_params(spec, node, given, errs)
    resolved = {}
    known = {p.name for p in spec.params}
    for key in given:
        if key not in known:
            errs.append(CheckError("param.unknown", {"param": str(key)[:60], "layer": spec.type,
                                                     "params": sorted(known)}, node=node.id))
    for p in spec.params:
        try:
            resolved[p.name] = spec.value_of(p, given)
        except GraphError as exc:
            errs.append(CheckError(exc.code, exc.info, node=node.id))
    if not errs and spec.check is not None:
        try:
            spec.check(resolved)
        except GraphError as exc:
            errs.append(CheckError(exc.code, exc.info, node=node.id))
    return resolved


def _block_input_params(spec, node, given: dict, errs: list) -> dict:
    """An Input inside a block: the instance's input gives its shape and dtype; only ``name`` (the
    port's label) may be set."""
    for key in given:
        if key != "name":
            errs.append(CheckError("block.input_param", {"param": str(key)[:60]}, node=node.id))
    try:
        name = spec.param("name").validate(given["name"]) if "name" in given else None
    except GraphError as exc:
        errs.append(CheckError(exc.code, exc.info, node=node.id))
        name = None
    return {"shape": None, "dtype": None, "name": name}


def _substituted(node, values: dict, scope: _Scope, errs: list) -> dict | None:
    """``values`` with each ``{"$param": name}`` replaced by the block param's value. None when a
    value is not known (a required param of a definition checked without an instance)."""
    out, unknown = {}, False
    for key, value in values.items():
        ref = param_ref(value)
        if ref is None:
            out[key] = value
        elif scope.block is None:
            errs.append(CheckError("block.param_outside", {"param": str(key)[:60], "ref": ref[:60]}, node=node.id))
            unknown = True
        elif ref not in scope.block.params:
            declared = sorted(scope.block.params)
            errs.append(CheckError("block.unknown_param" if declared else "block.unknown_param_none",
                                   {"param": str(key)[:60], "ref": ref[:60], "block": scope.block.name,
                                    **({"params": declared} if declared else {})}, node=node.id))
            unknown = True
        elif scope.args is not None and ref in scope.args:
            out[key] = scope.args[ref]
        elif scope.args is None and ref in scope.block.declared and not scope.block.declared[ref].required:
            out[key] = scope.block.declared[ref].default
        else:
            unknown = True      # its declaration is refused, or no value without an instance: said elsewhere
    return None if unknown else out     # None: the node is not checked further (its errors, if any, are in errs)


def _check_instance_params(node, result: CheckResult, scope: _Scope, specs: dict) -> None:
    """``{"block": name, "args": {param: value}}``: the block exists, each arg is one of its params,
    typed against the param's declaration (a ``$param`` passes the outer block's value on)."""
    errs = []
    for key in node.params:
        if key not in INSTANCE_KEYS:
            errs.append(CheckError("param.unknown", {"param": str(key)[:60], "layer": INSTANCE,
                                                     "params": list(INSTANCE_KEYS)}, node=node.id))
    name = node.params.get("block")
    block = scope.root.block(name)
    if block is None:
        if scope.root.blocks:
            result.errors.append(CheckError("block.unknown", {"block": _text(name),
                                                              "blocks": [b.name for b in scope.root.blocks]}, node=node.id))
        else:
            result.errors.append(CheckError("block.unknown_none", {"block": _text(name)}, node=node.id))
        result.errors.extend(errs)
        return
    spec = InstanceSpec(block=block, inputs=(len(block.input_nodes()),) * 2, outputs=len(block.output_nodes()))
    raw_args = node.params.get("args", {})
    if not isinstance(raw_args, dict):
        errs.append(CheckError("block.bad_args", {"received": _text(raw_args)}, node=node.id))
        raw_args = {}
    for key in raw_args:
        if key not in block.params:
            if block.params:
                errs.append(CheckError("block.unknown_arg", {"arg": str(key)[:60], "block": block.name,
                                                             "params": sorted(block.params)}, node=node.id))
            else:
                errs.append(CheckError("block.unknown_arg_none", {"arg": str(key)[:60], "block": block.name},
                                       node=node.id))
    given = _substituted(node, {k: v for k, v in raw_args.items() if k in block.params}, scope, errs)
    args = {}
    for param_name, param in block.declared.items():
        try:
            if given is not None and param_name in given:
                args[param_name] = param.validate(given[param_name])
            elif param.required:
                if given is not None:
                    raise GraphError("param.required", param=param_name, layer=block.name)
            else:
                args[param_name] = param.default
        except GraphError as exc:
            errs.append(CheckError(exc.code, exc.info, node=node.id))
    result.errors.extend(errs)
    complete = not errs and given is not None and set(args) == set(block.declared)
    specs[node.id] = (spec, args if complete else None)
    if complete:
        result.params[node.id] = {"block": block.name, "args": args}


def _text(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_ports(graph: Graph, specs: dict, result: CheckResult) -> set:
    """Each port fed exactly once, contiguous from 0, within the layer's arity. Returns blocked nodes."""
    feeds: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    source_ports: dict[str, dict[int, int]] = defaultdict(dict)
    for e in graph.edges:
        feeds[e.target][e.port].append(e.source)
        source_ports[e.target].setdefault(e.port, e.source_port)
    blocked = set()
    types = {n.id: n.type for n in graph.nodes}
    for e in graph.edges:
        if types.get(e.source) == "Output":
            result.errors.append(CheckError("graph.output_source", {}, edge=(e.source, e.target)))
            blocked.add(e.target)
        elif e.source_port:
            source_spec = specs.get(e.source, (None,))[0]
            outputs = source_spec.outputs if isinstance(source_spec, InstanceSpec) else 1
            if e.source_port >= outputs and e.source in specs:
                result.errors.append(CheckError("graph.bad_source_port", {"port": e.source_port, "outputs": outputs},
                                                edge=(e.source, e.target)))
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
        if any(source_ports[node.id].get(p) for p in range(count)):
            result.input_ports[node.id] = [source_ports[node.id].get(p, 0) for p in range(count)]
        if len(result.errors) > before:
            blocked.add(node.id)
    return blocked


# The structure's verdict of the last few graphs checked, by what it depends on: an edit of a node's
# params (most edits in the property panel, and their undo) leaves it as it was. Shared by every
# session of the process (each runs in its own thread).
_STRUCTURES: OrderedDict = OrderedDict()
STRUCTURES_KEPT = 16
_structures_lock = threading.Lock()


def _check_structure(graph: Graph, result: CheckResult) -> None:
    """``_structure_of`` the graph, kept for the next check of a graph with the same structure."""
    missing_input = frozenset(e.node for e in result.errors if e.code == "graph.missing_input")
    key = (tuple((n.id, n.type) for n in graph.nodes), tuple((e.source, e.target, e.port) for e in graph.edges),
           missing_input)
    with _structures_lock:
        kept = _STRUCTURES.get(key)
        if kept is not None:
            _STRUCTURES.move_to_end(key)
    if kept is None:
        kept = _structure_of(graph, missing_input)
        with _structures_lock:
            _STRUCTURES[key] = kept
            while len(_STRUCTURES) > STRUCTURES_KEPT:
                _STRUCTURES.popitem(last=False)
    errors, order = kept
    result.errors.extend(replace(e, args=dict(e.args)) for e in errors)    # copies: a result's errors are its own
    result.order = list(order)


def _structure_of(graph: Graph, missing_input: frozenset) -> tuple[tuple[CheckError, ...], tuple[str, ...]]:
    """Cycles, and every node reachable from an Input and reaching an Output (the errors); the acyclic
    part's order. It depends on the nodes' ids, order and types, the edges, and the nodes that miss an
    input (``missing_input``), nothing else."""
    errors: list[CheckError] = []
    g = graph.nx()
    inputs = [n.id for n in graph.nodes if n.type == "Input"]
    outputs = [n.id for n in graph.nodes if n.type == "Output"]
    if not graph.nodes:
        errors.append(CheckError("graph.empty", {}))
    else:
        if not inputs:
            errors.append(CheckError("graph.no_input", {}))
        if not outputs:
            errors.append(CheckError("graph.no_output", {}))
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    on_cycle = set()
    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1 or g.has_edge(next(iter(scc)), next(iter(scc))):
            members = sorted(scc, key=position.__getitem__)
            cycle = [u for u, _, *_ in nx.find_cycle(g.subgraph(scc), source=members[0])]
            errors.append(CheckError("graph.cycle", {"path": cycle + [cycle[0]]}, node=members[0]))
            on_cycle |= scc
    reached = _reach(g, inputs, forward=True)
    reaches = _reach(g, outputs, forward=False)
    for node in graph.nodes:
        if node.id in on_cycle or node.id in missing_input:
            continue
        if inputs and node.id not in reached:
            errors.append(CheckError("graph.unreachable", {}, node=node.id))
        elif outputs and node.id not in reaches:
            errors.append(CheckError("graph.dead_end", {}, node=node.id))
    dag = g
    if on_cycle:
        dag = g.copy()
        dag.remove_nodes_from(on_cycle)
    return tuple(errors), tuple(nx.lexicographical_topological_sort(dag, key=position.__getitem__))


def _check_structure_once(block: BlockDef, result: CheckResult, scope: _Scope) -> None:
    """``_check_structure`` of a definition, done once per check: it depends on the definition alone
    (its edges, and which nodes miss an input, which the definition's own types decide), not on the
    args or the shapes of an instance."""
    key = ("structure", id(block))
    before = len(result.errors)
    if key not in scope.memo:
        _check_structure(block, result)
        scope.memo[key] = (result.errors[before:], result.order)
    else:
        errors, order = scope.memo[key]
        result.errors.extend(errors)
        result.order = list(order)


def _reach(g: nx.MultiDiGraph, sources: list, forward: bool) -> set:
    seen, stack = set(sources), list(sources)
    step = g.successors if forward else g.predecessors
    while stack:
        for nxt in step(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _infer(graph: Graph, specs: dict, blocked: set, result: CheckResult, scope: _Scope) -> None:
    block_inputs = {node_id: k for k, node_id in enumerate(graph.input_nodes())} if scope.block else {}
    for node_id in result.order:
        result.shapes[node_id] = None
        result.dtypes[node_id] = None
        if node_id not in specs or node_id in blocked:
            continue
        spec, params = specs[node_id]
        if params is None:
            continue
        if node_id in block_inputs:
            _infer_block_input(node_id, block_inputs[node_id], result, scope)
            continue
        sources = result.sources(node_id)
        if any(s is None for s, _ in sources):
            continue
        in_shapes = [result.shape_at(s, p) for s, p in sources]
        in_dtypes = [result.dtype_at(s, p) for s, p in sources]
        if isinstance(spec, InstanceSpec):
            _infer_instance(node_id, spec, params, in_shapes, in_dtypes, result, scope)
            continue
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
        spec, params = specs.get(node.id, (None, None))
        if isinstance(spec, InstanceSpec) and params is not None and node.id not in result.instances:
            # not reached (blocked, on a cycle, fed by an error): its inside is still checked, shapes unknown
            _infer_instance(node.id, spec, params, None, None, result, scope)


def _infer_block_input(node_id: str, index: int, result: CheckResult, scope: _Scope) -> None:
    """An Input inside a block takes the shape and dtype of what feeds the instance's port."""
    if scope.in_shapes is not None and index < len(scope.in_shapes):
        result.shapes[node_id] = scope.in_shapes[index]
        result.dtypes[node_id] = scope.in_dtypes[index]


def _infer_instance(node_id: str, spec: InstanceSpec, args: dict, in_shapes: list | None, in_dtypes: list | None,
                    result: CheckResult, scope: _Scope) -> None:
    """A block instance: its definition checked with these input shapes and args."""
    if spec.block.name not in scope.root.block_plan.expandable:
        return      # a cycle of definitions, or too many nodes once expanded: said once, on the document
    if in_shapes is not None and any(s is None for s in in_shapes):
        in_shapes = in_dtypes = None
    inside = _check_instance(spec.block, args, in_shapes, in_dtypes, scope)
    result.instances[node_id] = inside
    result.errors.extend(e.inside(node_id) for e in inside.errors)
    result.counts[node_id] = inside.total_params
    outputs = spec.block.output_nodes()
    result.port_shapes[node_id] = [inside.shapes.get(o) for o in outputs]
    result.port_dtypes[node_id] = [inside.dtypes.get(o) for o in outputs]
    result.shapes[node_id] = result.port_shapes[node_id][0] if outputs else None
    result.dtypes[node_id] = result.port_dtypes[node_id][0] if outputs else None


def _check_dtypes(spec, dtypes: list) -> None:
    if spec.dtype_in == "float" and "int64" in dtypes:
        raise GraphError("shape.dtype_float", layer=spec.type)
    if spec.dtype_in == "int" and any(d != "int64" for d in dtypes):
        raise GraphError("shape.dtype_int", layer=spec.type, received=dtypes[0])
    if spec.dtype_in == "any" and len(set(dtypes)) > 1:
        raise GraphError("shape.dtype_mixed", layer=spec.type)


def _check_totals(graph: Graph, result: CheckResult, scope: _Scope) -> None:
    total = result.total_params
    if total > MAX_PARAMS and scope.block is None:
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
