"""Edits of a graph document's blocks (pure functions on documents; no streamlit).

Each function takes a document (a dict in the NetCanvas graph format) and returns a new one;
the one given is never changed. What a user asks that cannot be done raises ``BlockEditError``,
whose ``message(lang)`` says why (the Build page shows it as a message, never a traceback).

- ``group(doc, node_ids, name)``: the nodes become a new block definition and one instance in
  their place. Every distinct value that flows into the selection from outside (a source node and
  its output) becomes a block input, in the order the edges are listed; every distinct value that
  flows out becomes a block output.
- ``expand(doc, instance_id)``: the instance is replaced by the nodes of its definition (fresh
  ids, the instance's args put where the definition says ``{"$param": name}``), laid out where the
  instance was; nodes to its right move right to make room.
- ``rename_block(doc, old, new)``: the definition and every instance that uses it.
- ``add_instance(doc, name, pos)``: one more instance of a definition.
- ``replace_definition(doc, name, body)``: a definition's nodes and edges (from the canvas editing
  it); every instance uses the new body, since instances hold only the block's name.
"""
from __future__ import annotations

import copy
import re

from .errors import CodedError
from .graph import (BLOCKS_KEY, BLOCKS_VERSION, CLASS_NAME_RE, INSTANCE, PARAM_REF, VERSION, block_param_errors,
                    param_ref)

NODE_W = 200          # the canvas's card width: the grid expanded nodes are laid out on
STEP_X = 250
STEP_Y = 130
ID_RE = re.compile(r"[^A-Za-z0-9_-]")
IO_TYPES = ("Input", "Output")


class BlockEditError(CodedError):
    """A block edit that cannot be done (code ``blockedit.*``): a message for the user."""


# -- small helpers -----------------------------------------------------------------------------
def _nodes(container: dict) -> list[dict]:
    nodes = container.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _edges(container: dict) -> list[dict]:
    edges = container.get("edges")
    return [e for e in edges if isinstance(e, dict)] if isinstance(edges, list) else []


def blocks(doc: dict) -> list[dict]:
    """The document's block definitions (dicts with a name)."""
    raw = doc.get(BLOCKS_KEY)
    return [b for b in raw if isinstance(b, dict) and isinstance(b.get("name"), str)] if isinstance(raw, list) else []


def definition(doc: dict, name: str) -> dict | None:
    return next((b for b in blocks(doc) if b["name"] == name), None)


def _port(edge: dict, key: str = "port") -> int:
    value = edge.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _edge(source: str, target: str, port: int = 0, source_port: int = 0) -> dict:
    out = {"source": source, "target": target}
    if port:
        out["port"] = port
    if source_port:
        out["source_port"] = source_port
    return out


def _pos(node: dict) -> list | None:
    p = node.get("pos")
    if isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p):
        return [float(p[0]), float(p[1])]
    return None


def _fresh(base: str, taken: set) -> str:
    """``base`` made a valid node id no node has yet (``base``, ``base_2``, ...), and taken."""
    base = ID_RE.sub("_", base)[:56] or "node"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def instance_ids(doc: dict, name: str) -> list[str]:
    """The ids of the graph's own nodes that are instances of block ``name``."""
    return [n["id"] for n in _nodes(doc) if n.get("type") == INSTANCE and _block_of(n) == name]


def uses(doc: dict, name: str) -> int:
    """How many instances of block ``name`` there are, in the graph and in every definition."""
    count = len(instance_ids(doc, name))
    for b in blocks(doc):
        count += sum(1 for n in _nodes(b) if n.get("type") == INSTANCE and _block_of(n) == name)
    return count


def _block_of(node: dict) -> str | None:
    params = node.get("params")
    name = params.get("block") if isinstance(params, dict) else None
    return name if isinstance(name, str) else None


def check_name(doc: dict, name, old: str | None = None) -> str:
    """``name`` when it can name a new block (or be ``old``'s new name), else BlockEditError."""
    if not isinstance(name, str) or not CLASS_NAME_RE.match(name.strip()):
        raise BlockEditError("blockedit.bad_name", name=str(name)[:80])
    name = name.strip()
    if name != old and definition(doc, name) is not None:
        raise BlockEditError("blockedit.name_taken", name=name)
    return name


def suggest_name(doc: dict, base: str = "Block") -> str:
    taken = {b["name"] for b in blocks(doc)}
    i = 1
    while f"{base}{i}" in taken:
        i += 1
    return f"{base}{i}"


def _with_blocks(doc: dict) -> dict:
    doc["version"] = BLOCKS_VERSION
    if not isinstance(doc.get(BLOCKS_KEY), list):
        doc[BLOCKS_KEY] = []
    return doc


# -- group ---------------------------------------------------------------------------------------
def group(doc: dict, node_ids, name: str) -> dict:
    """The nodes ``node_ids`` as a new block ``name`` and one instance of it in their place."""
    name = check_name(doc, name)
    ids = list(dict.fromkeys(i for i in (node_ids or []) if isinstance(i, str)))
    if not ids:
        raise BlockEditError("blockedit.empty")
    by_id = {n.get("id"): n for n in _nodes(doc)}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise BlockEditError("blockedit.unknown_node", node=unknown[0])
    io = [i for i in ids if by_id[i].get("type") in IO_TYPES]
    if io:
        raise BlockEditError("blockedit.io_node", node=io[0])
    chosen = set(ids)
    edges = _edges(doc)
    if _leaves_and_returns(chosen, edges):
        raise BlockEditError("blockedit.cycle")

    out = copy.deepcopy(doc)
    taken_inner = set(chosen)
    inputs: list[tuple] = []       # (source, source_port) from outside, in edge order
    outputs: list[tuple] = []      # (source, source_port) inside that something outside uses
    for e in edges:
        src, tgt = e.get("source"), e.get("target")
        value = (src, _port(e, "source_port"))
        if src not in chosen and tgt in chosen and value not in inputs:
            inputs.append(value)
        elif src in chosen and tgt not in chosen and value not in outputs:
            outputs.append(value)
    in_ids = [_fresh("x" if len(inputs) == 1 else f"x{k}", taken_inner) for k in range(len(inputs))]
    out_ids = [_fresh("out" if len(outputs) == 1 else f"out{k}", taken_inner) for k in range(len(outputs))]

    positions = [p for p in (_pos(by_id[i]) for i in ids) if p is not None]
    x0 = min((p[0] for p in positions), default=0.0)
    x1 = max((p[0] for p in positions), default=0.0)
    ymid = sum(p[1] for p in positions) / len(positions) if positions else 0.0
    inner_nodes = [{"id": i, "type": "Input", "params": {}, "pos": [round(x0 - STEP_X), round(ymid + k * STEP_Y)]}
                   for k, i in enumerate(in_ids)]
    inner_nodes += [copy.deepcopy(n) for n in _nodes(doc) if n.get("id") in chosen]
    inner_nodes += [{"id": i, "type": "Output", "params": {}, "pos": [round(x1 + STEP_X), round(ymid + k * STEP_Y)]}
                    for k, i in enumerate(out_ids)]
    inner_edges, outer_edges = [], []
    taken_outer = {n.get("id") for n in _nodes(doc)}
    instance = _fresh(name.lower(), taken_outer)
    for e in edges:
        src, tgt = e.get("source"), e.get("target")
        value = (src, _port(e, "source_port"))
        if src in chosen and tgt in chosen:
            inner_edges.append(copy.deepcopy(e))
        elif tgt in chosen:
            inner_edges.append(_edge(in_ids[inputs.index(value)], tgt, _port(e)))
        elif src in chosen:
            outer_edges.append(_edge(instance, tgt, _port(e), outputs.index(value)))
        else:
            outer_edges.append(copy.deepcopy(e))
    for k, (src, sp) in enumerate(inputs):
        outer_edges.append(_edge(src, instance, k, sp))
    for k, (src, sp) in enumerate(outputs):
        inner_edges.append(_edge(src, out_ids[k], 0, sp))

    first = next(i for i, n in enumerate(_nodes(doc)) if n.get("id") in chosen)
    kept = [n for n in out["nodes"] if not (isinstance(n, dict) and n.get("id") in chosen)]
    inst = {"id": instance, "type": INSTANCE, "params": {"block": name}}
    if positions:
        inst["pos"] = [round(sum(p[0] for p in positions) / len(positions)), round(ymid)]
    before = sum(1 for n in _nodes(doc)[:first] if n.get("id") not in chosen)
    kept.insert(before, inst)
    out["nodes"] = kept
    out["edges"] = outer_edges
    _with_blocks(out)[BLOCKS_KEY].append({"name": name, "nodes": inner_nodes, "edges": inner_edges})
    return out


def _leaves_and_returns(chosen: set, edges: list[dict]) -> bool:
    """Whether a path leaves the selection and comes back into it (the instance would feed itself)."""
    succ: dict[str, set] = {}
    for e in edges:
        succ.setdefault(e.get("source"), set()).add(e.get("target"))
    stack = [t for s in chosen for t in succ.get(s, ()) if t not in chosen]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for t in succ.get(node, ()):
            if t in chosen:
                return True
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return False


# -- expand --------------------------------------------------------------------------------------
def _substitute(value, args: dict):
    ref = param_ref(value)
    if ref is not None:
        return copy.deepcopy(args[ref]) if ref in args else copy.deepcopy(value)
    if isinstance(value, dict):
        return {k: _substitute(v, args) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, args) for v in value]
    return value


def instance_args(doc: dict, node: dict) -> dict:
    """The values of an instance's block params: its ``args``, else the declared defaults."""
    block = definition(doc, _block_of(node) or "") or {}
    declared = block.get("params") if isinstance(block.get("params"), dict) else {}
    given = node.get("params", {}).get("args") if isinstance(node.get("params"), dict) else None
    given = given if isinstance(given, dict) else {}
    out = {k: d.get("default") for k, d in declared.items() if isinstance(d, dict) and "default" in d}
    out.update(given)
    return out


def _depths(nodes: list[dict], edges: list[dict]) -> dict[str, int]:
    ids = [n["id"] for n in nodes]
    preds: dict[str, list] = {i: [] for i in ids}
    for e in edges:
        if e.get("target") in preds and e.get("source") in preds:
            preds[e["target"]].append(e["source"])
    depth: dict[str, int] = {}

    def walk(i, trail=()):
        if i in depth:
            return depth[i]
        if i in trail:          # a cycle: checked elsewhere
            return 0
        depth[i] = 1 + max((walk(p, (*trail, i)) for p in preds[i]), default=-1)
        return depth[i]

    for i in ids:
        walk(i)
    return depth


def expand(doc: dict, instance_id: str) -> dict:
    """The instance ``instance_id`` replaced by the nodes of its definition, in place."""
    inst = next((n for n in _nodes(doc) if n.get("id") == instance_id), None)
    if inst is None or inst.get("type") != INSTANCE:
        raise BlockEditError("blockedit.not_instance", node=str(instance_id))
    block = definition(doc, _block_of(inst) or "")
    if block is None:
        raise BlockEditError("blockedit.unknown_block", block=str(_block_of(inst)))
    args = instance_args(doc, inst)
    inner = _nodes(block)
    inner_edges = _edges(block)
    in_ids = [n["id"] for n in inner if n.get("type") == "Input"]
    out_ids = [n["id"] for n in inner if n.get("type") == "Output"]
    body = [n for n in inner if n.get("type") not in IO_TYPES]

    taken = {n.get("id") for n in _nodes(doc) if n.get("id") != instance_id}
    new_id = {n["id"]: _fresh(f"{instance_id}_{n['id']}", taken) for n in body}
    feeds: dict[int, tuple] = {}             # instance input port -> (outside source, its output)
    for e in _edges(doc):
        if e.get("target") == instance_id:
            feeds[_port(e)] = (e.get("source"), _port(e, "source_port"))

    def value(src: str, sp: int) -> tuple | None:
        """Where a value inside the definition comes from, outside it (None: nothing feeds it)."""
        if src in in_ids:
            return feeds.get(in_ids.index(src))
        return (new_id[src], sp) if src in new_id else None

    # layout: the definition's positions when every body node has one, else by depth; none at all
    # when the instance has no position (the canvas lays out every node without one)
    at = _pos(inst)
    placed: dict[str, list | None] = {}
    if at is None:
        placed = {n["id"]: None for n in body}
    elif body and all(_pos(n) for n in body):
        xs = [_pos(n)[0] for n in body]
        ys = [_pos(n)[1] for n in body]
        for n in body:
            p = _pos(n)
            placed[n["id"]] = [round(at[0] + p[0] - min(xs)), round(at[1] + p[1] - (min(ys) + max(ys)) / 2)]
    else:
        depth = _depths(body, inner_edges)
        rows: dict[int, int] = {}
        for n in body:
            d = depth.get(n["id"], 0)
            r = rows.get(d, 0)
            rows[d] = r + 1
            placed[n["id"]] = [round(at[0] + d * STEP_X), round(at[1] + r * STEP_Y)]
    xs = [p[0] for p in placed.values() if p is not None]
    shift = max(xs) - at[0] if xs else 0      # the instance's own slot is reused by the first column

    out = copy.deepcopy(doc)
    nodes = []
    for n in out["nodes"]:
        if not isinstance(n, dict):
            nodes.append(n)
            continue
        if n.get("id") == instance_id:
            for b in body:
                copy_ = copy.deepcopy(b)
                copy_["id"] = new_id[b["id"]]
                copy_["params"] = _substitute(copy_.get("params", {}), args)
                if placed[b["id"]] is None:
                    copy_.pop("pos", None)
                else:
                    copy_["pos"] = placed[b["id"]]
                nodes.append(copy_)
            continue
        p = _pos(n)
        if shift and p is not None and at is not None and p[0] > at[0] + 1:
            n["pos"] = [round(p[0] + shift), round(p[1])]
        nodes.append(n)
    out["nodes"] = nodes

    edges = []
    for e in _edges(doc):
        if e.get("target") == instance_id:
            continue
        if e.get("source") == instance_id:
            k = _port(e, "source_port")
            if k < len(out_ids):
                for f in inner_edges:
                    if f.get("target") == out_ids[k]:
                        v = value(f.get("source"), _port(f, "source_port"))
                        if v is not None and v[0] is not None:
                            edges.append(_edge(v[0], e.get("target"), _port(e), v[1]))
            continue
        edges.append(copy.deepcopy(e))
    for f in inner_edges:
        tgt = f.get("target")
        if tgt not in new_id:
            continue
        v = value(f.get("source"), _port(f, "source_port"))
        if v is not None and v[0] is not None:
            edges.append(_edge(v[0], new_id[tgt], _port(f), v[1]))
    out["edges"] = edges
    return out


# -- rename, add, replace ------------------------------------------------------------------------
def rename_block(doc: dict, old: str, new: str) -> dict:
    """Block ``old`` called ``new``, in its definition and every instance (nested ones too)."""
    if definition(doc, old) is None:
        raise BlockEditError("blockedit.unknown_block", block=str(old))
    new = check_name(doc, new, old=old)
    out = copy.deepcopy(doc)
    for b in blocks(out):
        if b["name"] == old:
            b["name"] = new
    for container in [out, *blocks(out)]:
        for n in _nodes(container):
            if n.get("type") == INSTANCE and _block_of(n) == old:
                n["params"]["block"] = new
    return out


def unused(doc: dict) -> list[str]:
    """The blocks no instance uses (in the graph or in another block), in document order."""
    return [b["name"] for b in blocks(doc) if isinstance(b.get("name"), str) and not uses(doc, b["name"])]


def delete_block(doc: dict, name: str) -> dict:
    """Block ``name``'s definition removed, refused while an instance uses it. A graph left without blocks
    is a version 1 document again (as if it never had any)."""
    if definition(doc, name) is None:
        raise BlockEditError("blockedit.unknown_block", block=str(name))
    count = uses(doc, name)
    if count:
        raise BlockEditError("blockedit.in_use", block=name, n=count)
    out = copy.deepcopy(doc)
    out[BLOCKS_KEY] = [b for b in blocks(out) if b.get("name") != name]
    if not out[BLOCKS_KEY]:
        del out[BLOCKS_KEY]
        out["version"] = VERSION
    return out


def add_instance(doc: dict, name: str, pos=None) -> tuple[dict, str]:
    """One more instance of block ``name`` (at ``pos``): the new document and the instance's id."""
    if definition(doc, name) is None:
        raise BlockEditError("blockedit.unknown_block", block=str(name))
    out = copy.deepcopy(doc)
    node_id = _fresh(name.lower(), {n.get("id") for n in _nodes(doc)})
    node = {"id": node_id, "type": INSTANCE, "params": {"block": name}}
    if pos is not None:
        node["pos"] = [round(pos[0]), round(pos[1])]
    out.setdefault("nodes", []).append(node)
    return out, node_id


def body_document(doc: dict, name: str) -> dict:
    """Block ``name``'s body as a graph document the canvas can edit (its nodes and edges, and
    the other definitions so that instances inside it can be drawn)."""
    block = definition(doc, name)
    if block is None:
        raise BlockEditError("blockedit.unknown_block", block=str(name))
    return {"format": doc.get("format", "netcanvas.graph"), "version": BLOCKS_VERSION, "name": name,
            "nodes": copy.deepcopy(_nodes(block)), "edges": copy.deepcopy(_edges(block))}


def replace_definition(doc: dict, name: str, body: dict) -> dict:
    """Block ``name`` with the nodes and edges of ``body``; its name and params are kept. An
    instance of the block inside its own body is refused (it would contain itself)."""
    if definition(doc, name) is None:
        raise BlockEditError("blockedit.unknown_block", block=str(name))
    nodes = copy.deepcopy(_nodes(body))
    if any(n.get("type") == INSTANCE and _block_of(n) == name for n in nodes):
        raise BlockEditError("blockedit.self_instance", block=name)
    out = copy.deepcopy(doc)
    for b in blocks(out):
        if b["name"] == name:
            b["nodes"] = nodes
            b["edges"] = copy.deepcopy(_edges(body))
    return out


def set_args(doc: dict, instance_id: str, args: dict) -> dict:
    """An instance's block param values (an empty ``args`` is removed)."""
    out = copy.deepcopy(doc)
    for n in _nodes(out):
        if n.get("id") == instance_id and n.get("type") == INSTANCE:
            params = n.setdefault("params", {})
            if args:
                params["args"] = dict(args)
            else:
                params.pop("args", None)
    return out


# -- grouping inside a definition ---------------------------------------------------------------------
def _refs(value) -> set[str]:
    """The block params that ``value`` (a node's params, at any depth) takes: ``{"$param": name}``."""
    ref = param_ref(value)
    if ref is not None:
        return {ref}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*(_refs(v) for v in items))


def _declared(block: dict) -> dict:
    params = block.get("params")
    return params if isinstance(params, dict) else {}


def group_inside(doc: dict, outer: str, node_ids, name: str) -> dict:
    """The nodes ``node_ids`` of block ``outer``'s definition as a new block ``name``, and one instance
    of it inside ``outer`` in their place (every instance of ``outer`` follows). The outer block's
    params that the nodes take become params of the new block, which the outer one passes on:
    the inner instance's args are ``{"$param": name}``."""
    block = definition(doc, outer)
    if block is None:
        raise BlockEditError("blockedit.unknown_block", block=str(outer))
    body = {"nodes": _nodes(block), "edges": _edges(block), BLOCKS_KEY: blocks(doc)}
    grouped = group(body, node_ids, name)
    inner = grouped[BLOCKS_KEY][-1]
    taken = set().union(*(_refs(n.get("params")) for n in _nodes(inner)))
    passed = {p: copy.deepcopy(d) for p, d in _declared(block).items() if p in taken}
    if passed:
        inner["params"] = passed
        inst = next(n for n in grouped["nodes"] if n.get("type") == INSTANCE and _block_of(n) == inner["name"]
                    and n.get("id") not in {m.get("id") for m in _nodes(block)})
        inst["params"]["args"] = {p: {PARAM_REF: p} for p in passed}
    out = copy.deepcopy(doc)
    for b in blocks(out):
        if b["name"] == outer:
            b["nodes"], b["edges"] = grouped["nodes"], grouped["edges"]
    out[BLOCKS_KEY].append(inner)
    return out


# -- param declarations -------------------------------------------------------------------------------
def _block_or_refuse(doc: dict, name: str) -> dict:
    block = definition(doc, name)
    if block is None:
        raise BlockEditError("blockedit.unknown_block", block=str(name))
    return block


def _declaration(decl: dict) -> dict:
    """A declaration as the format writes it: the keys that have a value, in the format's order."""
    keys = ("kind", "default", "lo", "hi", "choices", "help")
    return {k: copy.deepcopy(decl[k]) for k in keys if decl.get(k) is not None}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _with_declarations(doc: dict, name: str, params: dict) -> dict:
    """The document with block ``name``'s declarations ``params``, refused when one is not valid."""
    for pname, decl in params.items():
        lo, hi = decl.get("lo"), decl.get("hi")
        if _is_number(lo) and _is_number(hi) and lo > hi:
            raise BlockEditError("blockedit.param_bounds", param=pname, lo=lo, hi=hi)
    errors = block_param_errors(params)
    if errors:
        raise BlockEditError(errors[0].code, **errors[0].args)
    out = copy.deepcopy(doc)
    for b in blocks(out):
        if b["name"] == name:
            if params:
                b["params"] = params
            else:
                b.pop("params", None)
    return out


def _typed(text: str):
    """A choice as typed: an integer, else a number, else the text."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def param_value(kind: str, field: str, text: str, param: str = ""):
    """What ``text`` typed into a declaration's ``field`` means for a param of ``kind`` (None: left
    empty); refused with a message when it is not of that kind."""
    text = (text or "").strip()
    if not text:
        return None
    if field == "choices":
        return [_typed(t.strip()) for t in text.split(",") if t.strip()]
    if kind == "choice":
        return _typed(text)
    casts = {"int": int, "float": float, "bool": {"true": True, "false": False}.__getitem__}
    try:
        return casts[kind](text.lower() if kind == "bool" else text)
    except (KeyError, ValueError):
        raise BlockEditError("blockedit.bad_value", param=param, field=field, expected=f"@kind.{kind}",
                             received=text[:80]) from None


def _param_name(doc: dict, block: str, pname, old: str | None = None) -> str:
    """``pname`` when it can name a new param of ``block`` (or be ``old``'s new name)."""
    if not isinstance(pname, str) or not CLASS_NAME_RE.match(pname.strip()):
        raise BlockEditError("block.bad_param_name", received=str(pname)[:80])
    pname = pname.strip()
    if pname != old and pname in _declared(_block_or_refuse(doc, block)):
        raise BlockEditError("blockedit.param_taken", block=block, param=pname)
    return pname


def add_param(doc: dict, block: str, pname: str, decl: dict) -> dict:
    """Block ``block`` declares one more param ``pname`` (``decl``: kind, default, lo, hi, choices)."""
    pname = _param_name(doc, block, pname)
    params = {**copy.deepcopy(_declared(_block_or_refuse(doc, block))), pname: _declaration(decl)}
    return _with_declarations(doc, block, params)


def set_param(doc: dict, block: str, pname: str, decl: dict) -> dict:
    """Param ``pname`` of block ``block`` declared as ``decl`` (its kind, default, range, choices)."""
    declared = copy.deepcopy(_declared(_block_or_refuse(doc, block)))
    if pname not in declared:
        raise BlockEditError("blockedit.unknown_param", block=block, param=str(pname))
    declared[pname] = _declaration(decl)
    return _with_declarations(doc, block, declared)


def _rename_ref(value, old: str, new: str):
    if param_ref(value) == old:
        return {PARAM_REF: new}
    if isinstance(value, dict):
        return {k: _rename_ref(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_ref(v, old, new) for v in value]
    return value


def _instances_of(doc: dict, name: str) -> list[dict]:
    """Every instance node of block ``name``, in the graph and in every definition."""
    return [n for c in [doc, *blocks(doc)] for n in _nodes(c) if n.get("type") == INSTANCE and _block_of(n) == name]


def _args_of(node: dict) -> dict | None:
    args = node.get("params", {}).get("args")
    return args if isinstance(args, dict) else None


def rename_param(doc: dict, block: str, old: str, new: str) -> dict:
    """Param ``old`` of block ``block`` called ``new``: the declaration, its uses inside the definition
    (``{"$param": old}``) and every instance's ``args``."""
    declared = _declared(_block_or_refuse(doc, block))
    if old not in declared:
        raise BlockEditError("blockedit.unknown_param", block=block, param=str(old))
    new = _param_name(doc, block, new, old=old)
    renamed = {(new if k == old else k): copy.deepcopy(v) for k, v in declared.items()}
    out = _with_declarations(doc, block, renamed)
    body = definition(out, block)
    body["nodes"] = [_rename_ref(n, old, new) for n in _nodes(body)]
    for node in _instances_of(out, block):
        args = _args_of(node)
        if args is not None and old in args:
            node["params"]["args"] = {(new if k == old else k): v for k, v in args.items()}
    return out


def param_uses(doc: dict, block: str, pname: str) -> list[str]:
    """The ids of the nodes of block ``block``'s definition that take param ``pname``."""
    return [n.get("id") for n in _nodes(_block_or_refuse(doc, block)) if pname in _refs(n.get("params"))]


def delete_param(doc: dict, block: str, pname: str) -> dict:
    """Param ``pname`` of block ``block`` removed (and from every instance's ``args``); refused while a
    node of the definition takes it."""
    declared = _declared(_block_or_refuse(doc, block))
    if pname not in declared:
        raise BlockEditError("blockedit.unknown_param", block=block, param=str(pname))
    used = param_uses(doc, block, pname)
    if used:
        raise BlockEditError("blockedit.param_in_use", block=block, param=pname, nodes=used)
    out = _with_declarations(doc, block, {k: copy.deepcopy(v) for k, v in declared.items() if k != pname})
    for node in _instances_of(out, block):
        args = _args_of(node)
        if args is not None and pname in args:
            rest = {k: v for k, v in args.items() if k != pname}
            if rest:
                node["params"]["args"] = rest
            else:
                del node["params"]["args"]
    return out


# -- collapsed and expanded in place ------------------------------------------------------------------
COLLAPSED = "uiCollapsed"


def collapsed(node: dict) -> bool:
    """Whether the canvas draws instance ``node`` as one card (the format's default) or its inside."""
    return node.get(COLLAPSED) is not False


def inside_grid(block: dict) -> dict[str, tuple[int, int]]:
    """Where each layer of a definition (not its Inputs and Outputs) stands when an instance is drawn
    expanded: ``(column, row)``, the column its depth from the inputs."""
    body = [n for n in _nodes(block) if n.get("type") not in IO_TYPES]
    depth = _depths(body, _edges(block))
    rows: dict[int, int] = {}
    out = {}
    for n in body:
        d = depth.get(n["id"], 0)
        out[n["id"]] = (d, rows.get(d, 0))
        rows[d] = rows.get(d, 0) + 1
    return out


def set_collapsed(doc: dict, instance_id: str, value: bool, shift: float = 0) -> dict:
    """Instance ``instance_id`` drawn as one card (``value``) or with its inside, in place: the same
    instance, so the model does not change. Nodes to its right move ``shift`` to the right (a
    negative ``shift``: back to the left) to make room for the inside or take it back."""
    inst = next((n for n in _nodes(doc) if n.get("id") == instance_id), None)
    if inst is None or inst.get("type") != INSTANCE:
        raise BlockEditError("blockedit.not_instance", node=str(instance_id))
    out = copy.deepcopy(doc)
    at = _pos(inst)
    for n in _nodes(out):
        if n.get("id") == instance_id:
            if value:
                n.pop(COLLAPSED, None)
            else:
                n[COLLAPSED] = False
            continue
        p = _pos(n)
        if shift and p is not None and at is not None and p[0] > at[0] + 1:
            n["pos"] = [round(p[0] + shift), round(p[1])]
    return out


__all__ = ["BlockEditError", "COLLAPSED", "PARAM_REF", "add_instance", "add_param", "blocks", "body_document",
           "check_name", "collapsed", "definition", "delete_param", "expand", "group", "group_inside", "inside_grid", "instance_args",
           "instance_ids", "param_uses", "param_value", "rename_block", "rename_param", "replace_definition", "set_args",
           "set_collapsed", "set_param", "suggest_name", "uses"]
