"""Blocks on the Build page: the "My blocks" palette section, what a collapsed instance shows, the
side panel's group / expand / edit / rename, and editing a definition on the canvas.

The graph operations are ``builder.block_edit``'s (pure, unit-tested); this module turns them into
widgets and workspace edits (``ws.edit``: undo and redo cover them), and shows a refused edit as a
message. While a block is being edited (``editing``), the canvas shows the definition's body as a
graph; every edit made there replaces the definition in the whole document, so every instance
changes with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from builder import block_edit
from builder.block_edit import BlockEditError
from builder.errors import PATH_SEP, fmt_shape
from builder.graph import BLOCK_PARAM_KINDS, INSTANCE, BlockDef, param_ref
from builder.i18n import pick, translate
from builder.shapes import CheckResult

from . import property_panel
from .canvas import read_canvas_event
from .literal import md_literal
from .session import graph_value, lang, localized

EDITING = "block_editing"       # session state: {tab key: the block being edited}
MESSAGE = "block_message"       # session state: {tab key: (a refused edit's message, the tab's rev then)}
BLOCK_COLOR = "#0f766e"


# -- the palette ----------------------------------------------------------------------------------
def palette_entries(doc: dict, language: str, exclude: str | None = None) -> list[dict]:
    """One palette entry per block definition ("My blocks"): dropping one adds an instance. While
    block ``exclude`` is edited, it and the blocks that use it are left out (no block contains itself)."""
    out = []
    banned = _users_of(doc, exclude) if exclude else set()
    for block in block_edit.blocks(doc):
        name = block["name"]
        if name in banned:
            continue
        nodes = [n for n in block.get("nodes", []) if isinstance(n, dict)]
        ins = [n.get("id") for n in nodes if n.get("type") == "Input"]
        outs = [n.get("id") for n in nodes if n.get("type") == "Output"]
        layers = len(nodes) - len(ins) - len(outs)
        out.append({
            "type": f"block:{name}", "node_type": INSTANCE, "block": name,
            "category": "my_blocks", "category_label": translate("blocks.palette", language), "color": BLOCK_COLOR,
            "title": name, "help": translate("blocks.palette_help", language, inputs=len(ins), outputs=len(outs),
                                             layers=layers),
            "defaults": {"block": name},
            "inputs": {"min": len(ins), "max": len(ins), "names": [str(i) for i in ins] if len(ins) > 1 else []},
            "outputs": len(outs), "output_names": [str(o) for o in outs], "output": bool(outs),
            "key_params": [],
        })
    return out


def body_palette(palette: list[dict]) -> list[dict]:
    """The layer palette while a block is edited: an Input there takes no shape (the instance's
    input gives it), so it is added and drawn without one."""
    out = []
    for entry in palette:
        if entry.get("type") == "Input":
            entry = {**entry, "defaults": {}, "key_params": []}
        out.append(entry)
    return out


def _users_of(doc: dict, name: str) -> set[str]:
    """Block ``name`` and every block that contains it, directly or through others."""
    users, grew = {name}, True
    while grew:
        grew = False
        for block in block_edit.blocks(doc):
            if block["name"] in users:
                continue
            if any(isinstance(n, dict) and n.get("type") == INSTANCE and isinstance(n.get("params"), dict)
                   and n["params"].get("block") in users for n in block.get("nodes", [])):
                users.add(block["name"])
                grew = True
    return users


# -- annotations ----------------------------------------------------------------------------------
def annotate(ann: dict, result: CheckResult, language: str) -> dict:
    """The canvas annotations with what a collapsed instance shows: the shapes flowing in and out
    (``block``), an error inside named by its path, and an edge's shape from the right output."""
    nodes = ann.setdefault("nodes", {})
    for node in result.graph.nodes:
        if node.type != INSTANCE:
            continue
        entry = nodes.setdefault(node.id, {})
        outs = result.port_shapes.get(node.id) or [result.shapes.get(node.id)]
        entry["block"] = {"in": [fmt_shape(s) for s in result.input_shapes(node.id)],
                          "out": [fmt_shape(s) for s in outs]}
        errs = result.errors_for(node.id)
        if errs:
            entry["error"] = "\n".join(
                (f"{PATH_SEP.join(e.path[1:])}: " if e.path and len(e.path) > 1 else "") + e.text(language)
                for e in errs)
    _expanded_inside(nodes, result)
    edges = ann.setdefault("edges", {})
    for e in result.graph.edges:
        if e.source_port:
            key = f"{e.source}->{e.target}:{e.port}"
            shape = result.shape_at(e.source, e.source_port)
            if key in edges:
                edges[key]["shape"] = fmt_shape(shape) if shape is not None else None
    return ann


# An instance expanded in place is drawn as a frame holding a small card per layer inside (the
# canvas's blocks.js draws what ``inside_view`` says; these sizes are its pixels).
MINI_W, MINI_H, MINI_GAP_X, MINI_GAP_Y, MINI_PAD = 150, 46, 34, 12, 12


def inside_size(block: dict) -> tuple[int, int]:
    """The width and height of an expanded instance's inside (at least a card's width)."""
    grid = block_edit.inside_grid(block).values()
    cols = 1 + max((c for c, _ in grid), default=0)
    rows = 1 + max((r for _, r in grid), default=0)
    width = 2 * MINI_PAD + cols * MINI_W + (cols - 1) * MINI_GAP_X
    return max(width, block_edit.NODE_W), 2 * MINI_PAD + rows * MINI_H + (rows - 1) * MINI_GAP_Y


def inside_view(result: CheckResult, instance_id: str, block: dict) -> dict:
    """What the canvas draws inside an expanded instance: a card per layer (its type or block, id,
    shape as this instance sees it, whether it has an error) where ``inside_grid`` puts it, and the
    edges between them."""
    inner = result.instances.get(instance_id)
    failing = {e.path[1] for e in result.errors_for(instance_id) if e.path and len(e.path) > 1}
    width, height = inside_size(block)
    cards = []
    for node_id, (col, row) in block_edit.inside_grid(block).items():
        node = next(n for n in block["nodes"] if n.get("id") == node_id)
        shape = inner.shapes.get(node_id) if inner is not None else None
        cards.append({"id": node_id, "title": (node.get("params") or {}).get("block") or node.get("type"),
                      "block": node.get("type") == INSTANCE, "shape": fmt_shape(shape) if shape else None,
                      "error": node_id in failing,
                      "x": MINI_PAD + col * (MINI_W + MINI_GAP_X), "y": MINI_PAD + row * (MINI_H + MINI_GAP_Y)})
    ids = {c["id"] for c in cards}
    edges = [[e.get("source"), e.get("target")] for e in block.get("edges", [])
             if e.get("source") in ids and e.get("target") in ids]
    return {"w": width, "h": height, "card_w": MINI_W, "card_h": MINI_H, "nodes": cards, "edges": edges}


def _expanded_inside(ann_nodes: dict, result: CheckResult) -> None:
    """The inside of every instance of ``result``'s graph that is expanded in place."""
    for node in result.graph.nodes:
        if node.type == INSTANCE and node.extra.get(block_edit.COLLAPSED) is False:
            block = result.graph.block((node.params or {}).get("block"))
            if block is not None:
                ann_nodes.setdefault(node.id, {})["inside"] = inside_view(result, node.id, block.to_document())


def body_result(result: CheckResult, name: str) -> CheckResult | None:
    """The check of block ``name``'s inside at its first instance (None: no instance uses it)."""
    for _path, inside in result.walk():
        if isinstance(inside.graph, BlockDef) and inside.graph.name == name:
            return inside
    return None


def body_annotations(result: CheckResult, name: str, language: str, annotations) -> dict:
    """Annotations for the canvas while block ``name`` is edited: shapes as its first instance sees
    them; for a block no instance uses, the errors found in its definition."""
    inside = body_result(result, name)
    if inside is not None:
        return annotate(annotations(inside, language), inside, language)
    nodes: dict = {}
    for e in result.errors:
        if e.block == name and e.path:
            entry = nodes.setdefault(e.path[0], {"shape": None, "params": 0, "error": None})
            entry["error"] = "\n".join(x for x in (entry["error"], e.text(language)) if x)
    return {"nodes": nodes, "edges": {}, "graph_errors": []}


# -- what the canvas shows, and applying what it sends ------------------------------------------------
@dataclass
class CanvasView:
    """What the canvas shows: the graph, or the body of the block being edited (``editing``)."""
    editing: str | None
    doc: dict
    palette: list
    annotations: dict
    height: int
    view_key: str


def canvas_view(ws, result: CheckResult, language: str, layers: list[dict], annotations: Callable,
                height: int = 640) -> CanvasView:
    """The canvas's document, palette (My blocks first), annotations, height and view key for this run.
    ``layers``: the layer palette; ``annotations``: ``build_view.annotations``."""
    name = editing(ws)
    tab = ws.tab
    if name:
        return CanvasView(name, shown_doc(ws, name),
                          palette_entries(tab.doc, language, exclude=name) + body_palette(layers),
                          body_annotations(result, name, language, annotations), height - EDIT_BAR_PX,
                          f"{tab.key}/block:{name}")
    return CanvasView(None, tab.doc, palette_entries(tab.doc, language) + layers,
                      annotate(annotations(result, language), result, language), height, tab.key)


EDIT_BAR_PX = 70        # the editing bar above the canvas: the canvas is that much shorter


def rev_suffix(ws) -> str:
    """What tags the canvas's rev while a block is edited (a new rev makes the canvas take the body)."""
    name = editing(ws)
    return f":block:{name}" if name else ""


def apply_canvas_event(ws, key: str, rev_of: Callable[[], str]) -> list[str]:
    """Apply what the canvas sent (an edit, undo or redo) to the current tab; the selected node ids.
    An edit made while a block is edited replaces that block's definition."""
    name = editing(ws)
    tab = ws.tab
    event = read_canvas_event(key, rev=rev_of(), ack=tab.seq, graph=shown_doc(ws, name))
    if event is not None and event.seq is not None:
        tab.seq = event.seq
        if event.graph is not None:
            apply_canvas_graph(ws, name, event.graph)
        if event.command == "undo":
            ws.undo()
        elif event.command == "redo":
            ws.redo()
    return event.selection if event is not None else []


def with_params(ws, view: CanvasView, node_id: str, params: dict) -> dict:
    """The document with node ``node_id`` of the shown graph (the graph, or the edited block's body)
    given ``params``: what the property panel's edit makes."""
    if view.editing:
        body = block_edit.body_document(ws.tab.doc, view.editing)
        for n in body["nodes"]:
            if n.get("id") == node_id:
                n["params"] = params
        return block_edit.replace_definition(ws.tab.doc, view.editing, body)
    doc = dict(ws.tab.doc)      # the other nodes shared: the workspace keeps a copy of what it is given
    doc["nodes"] = [{**n, "params": params} if isinstance(n, dict) and n.get("id") == node_id else n
                    for n in doc["nodes"]]
    return doc


def node_panel(ws, view: CanvasView, node: dict, result: CheckResult) -> bool:
    """The side panel of a block instance (True: drawn, no property panel). For a node inside the
    edited block, which params take the instance's value (then False: the property panel follows)."""
    if node.get("type") == INSTANCE:
        instance_panel(ws, node, result, nested=bool(view.editing))
        return True
    if view.editing:
        param_refs(node, lang())
    return False


# -- editing a definition ---------------------------------------------------------------------------
def editing(ws) -> str | None:
    """The block being edited in the current tab (None: the graph itself is shown)."""
    name = (st.session_state.get(EDITING) or {}).get(ws.tab.key)
    if name is not None and block_edit.definition(ws.tab.doc, name) is None:
        stop_editing(ws)         # undone, renamed or gone: back to the graph
        return None
    return name


def start_editing(ws, name: str) -> None:
    st.session_state[EDITING] = {**(st.session_state.get(EDITING) or {}), ws.tab.key: name}


def stop_editing(ws) -> None:
    st.session_state[EDITING] = {k: v for k, v in (st.session_state.get(EDITING) or {}).items() if k != ws.tab.key}


def shown_doc(ws, name: str | None) -> dict:
    """The document on the canvas: the graph, or block ``name``'s body while it is edited."""
    return shown_doc_of(ws.tab.doc, name)


def shown_doc_of(doc: dict, name: str | None) -> dict:
    return block_edit.body_document(doc, name) if name else doc


def apply_canvas_graph(ws, name: str | None, graph: dict) -> None:
    """An edit the canvas sent: the graph, or (while ``name`` is edited) the block's new body."""
    if not name:
        ws.edit(graph)
        return
    try:
        ws.edit(block_edit.replace_definition(ws.tab.doc, name, graph))
    except BlockEditError as exc:
        _refused(ws, exc)
        ws.tab.rev += 1          # the canvas goes back to the definition as it is


def editing_bar(ws, view: CanvasView) -> None:
    """Above the canvas while a block is edited: what is edited, and the way back (an empty container
    otherwise, so that the canvas keeps its place in the page)."""
    with st.container():
        if view.editing:
            _editing_bar(ws, view.editing)


def _editing_bar(ws, name: str) -> None:
    c1, c2 = st.columns([5, 1.4], vertical_alignment="center")
    c1.info(localized("blocks.editing", block=md_literal(name), n=block_edit.uses(ws.tab.doc, name)),
            icon=":material/widgets:")
    if c2.button(localized("blocks.back"), icon=":material/arrow_back:", key="blk_back", width="stretch"):
        stop_editing(ws)
        st.rerun()


def param_refs(node: dict, language: str) -> None:
    """Which params of a node inside a block take the instance's value (``{"$param": name}``)."""
    for key, value in (node.get("params") or {}).items():
        ref = param_ref(value)
        if ref is not None:
            st.caption(localized("blocks.param_ref", param=md_literal(key), ref=md_literal(ref)))


# -- the side panel -----------------------------------------------------------------------------------
def show_message(ws) -> None:
    """The message of a refused edit, until the graph changes: the reruns that follow a click (the canvas,
    the fragment) must not take it away before it is read."""
    messages = st.session_state.get(MESSAGE) or {}
    text, rev = messages.get(ws.tab.key, (None, None))
    if text and rev == ws.tab.rev:
        st.error(md_literal(text), icon=":material/error:")
    elif text:
        messages.pop(ws.tab.key, None)


def _apply(ws, make: Callable[[], dict]) -> None:
    """The document ``make`` gives as an edit (refused: its message, shown after the rerun); rerun."""
    try:
        ws.edit(make(), replace_canvas=True)
    except BlockEditError as exc:
        _refused(ws, exc)
    st.rerun()


def _refused(ws, exc: BlockEditError) -> None:
    st.session_state[MESSAGE] = {**(st.session_state.get(MESSAGE) or {}), ws.tab.key: (exc.message(lang()), ws.tab.rev)}


def unused_panel(ws, view: CanvasView) -> None:
    """Blocks whose instances were all deleted: open one to edit it (there is no instance to open it
    from), or delete it. Nothing while a block is edited or every block is used."""
    names = [] if view.editing else block_edit.unused(ws.tab.doc)
    if not names:
        return
    with st.container(border=True, key="blk_unused"):
        st.markdown(f"**{localized('blocks.unused_title')}**")
        st.caption(localized("blocks.unused_hint"))
        for name in names:
            st.markdown(f"**{md_literal(name)}**")
            c2, c3 = st.columns(2)      # the name on its own row: two labelled buttons fit beside each other
            if c2.button(localized("blocks.edit_short"), help=localized("blocks.edit_help"), icon=":material/edit:",
                         key=f"blk_unused_edit_{name}", width="stretch"):
                start_editing(ws, name)
                st.rerun()
            if c3.button(localized("blocks.delete"), help=localized("blocks.delete_help"), icon=":material/delete:",
                         key=f"blk_unused_delete_{name}", width="stretch"):
                _apply(ws, lambda: block_edit.delete_block(ws.tab.doc, name))


# -- a block's param declarations (while it is edited) -------------------------------------------------
def params_panel(ws, view: CanvasView) -> None:
    """The edited block's params: each one's name, type, default and range (save, delete), and a form
    to add one. A refused edit is a message; every edit is one undo step."""
    if not view.editing:
        return
    name = view.editing
    declared = block_edit.definition(ws.tab.doc, name).get("params") or {}
    with st.container(border=True, key="blk_params"):
        st.markdown(f"**{localized('blocks.params_title', block=md_literal(name))}**")
        st.caption(localized("blocks.params_hint") if declared else localized("blocks.params_none"))
        for pname, decl in declared.items():
            if isinstance(decl, dict):
                with st.expander(_param_summary(pname, decl), key=f"blk_param_{pname}"):
                    _param_form(ws, name, pname, decl)
        with st.expander(localized("blocks.param_add"), icon=":material/add:", key="blk_param_add"):
            _param_form(ws, name, None, {"kind": "int"})


def _param_summary(pname: str, decl: dict) -> str:
    bounds = f" [{_text(decl.get('lo'))}, {_text(decl.get('hi'))}]" if "lo" in decl or "hi" in decl else ""
    return md_literal(f"{pname} · {decl.get('kind')} · {_text(decl.get('default'))}{bounds}")


def _text(value) -> str:
    """A declaration's value as typed in its field."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return ", ".join(_text(v) for v in value) if isinstance(value, list) else str(value)


def _param_form(ws, block: str, pname: str | None, decl: dict) -> None:
    """The fields of one declaration (``pname`` None: a new one) and Save (or Add), with Delete."""
    key = f"blk_pf_{ws.tab.key}_{block}_{pname or ''}"     # the fields' values follow the declaration
    if pname is not None:
        used = block_edit.param_uses(ws.tab.doc, block, pname)
        st.caption(localized("blocks.param_used", nodes=md_literal(", ".join(used))) if used
                   else localized("blocks.param_unused"))
    with st.form(key=key, border=False):
        c1, c2 = st.columns([3, 2])
        typed = {"name": c1.text_input(localized("blocks.param_name"), value=pname or "", max_chars=64),
                 "kind": c2.selectbox(localized("blocks.param_kind"), BLOCK_PARAM_KINDS,
                                      index=BLOCK_PARAM_KINDS.index(decl.get("kind", "int")))}
        fields = (("default", "blocks.param_default"), ("lo", "blocks.param_lo"), ("hi", "blocks.param_hi"))
        for column, (field, label) in zip(st.columns(3), fields):
            typed[field] = column.text_input(localized(label), value=_text(decl.get(field)), max_chars=40)
        typed["choices"] = st.text_input(localized("blocks.param_choices"), value=_text(decl.get("choices")),
                                         max_chars=400)
        saved = st.form_submit_button(localized("blocks.param_save" if pname else "blocks.param_add"),
                                      icon=":material/check:", width="stretch")
    deleted = pname is not None and st.button(localized("blocks.param_delete"), icon=":material/delete:",
                                              key=f"{key}_delete", width="stretch")
    try:
        if saved:
            _edit(ws, _declared_as(ws.tab.doc, block, pname, typed, decl.get("help")))
        elif deleted:
            _edit(ws, block_edit.delete_param(ws.tab.doc, block, pname))
    except BlockEditError as exc:
        _refused(ws, exc)
        st.rerun()


def _declared_as(doc: dict, block: str, pname: str | None, typed: dict, help_text) -> dict:
    """The document with param ``pname`` of ``block`` declared as typed (added when ``pname`` is None,
    renamed when the name typed is another)."""
    kind, name = typed["kind"], typed["name"].strip()
    decl = {f: block_edit.param_value(kind, f, typed[f], name) for f in ("default", "lo", "hi", "choices")}
    decl.update(kind=kind, help=help_text)
    if pname is None:
        return block_edit.add_param(doc, block, name, decl)
    doc = block_edit.set_param(doc, block, pname, decl)
    return block_edit.rename_param(doc, block, pname, name) if name != pname else doc


def _edit(ws, doc: dict) -> None:
    ws.edit(doc, replace_canvas=True)
    st.rerun()


def group_panel(ws, view: CanvasView, ids: list[str]) -> None:
    """Several nodes selected: group them into a named block (while a block is edited, a block nested
    in it, which takes the params its nodes use from the edited block)."""
    with st.container(border=True):
        _group_form(ws, ids, view.editing)


def _grouped(doc: dict, ids: list[str], name: str, outer: str | None) -> tuple[dict, list[str]]:
    """The document with ``ids`` grouped (inside block ``outer`` when given), and the new node's id."""
    before = {n.get("id") for n in shown_doc_of(doc, outer)["nodes"]}
    doc = block_edit.group_inside(doc, outer, ids, name) if outer else block_edit.group(doc, ids, name)
    return doc, [n["id"] for n in shown_doc_of(doc, outer)["nodes"] if n.get("id") not in before]


def _group_form(ws, ids: list[str], outer: str | None) -> None:
    tab = ws.tab
    st.markdown(f"**{localized('blocks.group_title')}**")
    st.caption(localized("blocks.group_hint", n=len(ids)))
    with st.form(key=f"blk_group_{tab.key}", border=False):
        typed = st.text_input(localized("blocks.name"), value=block_edit.suggest_name(tab.doc), max_chars=64,
                              key=f"blk_group_name_{tab.key}_{tab.rev}")
        submitted = st.form_submit_button(localized("blocks.group"), icon=":material/widgets:", width="stretch")
    if not submitted:
        return
    try:
        doc, new = _grouped(tab.doc, ids, typed, outer)
    except BlockEditError as exc:
        _refused(ws, exc)
        st.rerun()
    ws.edit(doc, replace_canvas=True)
    if new:
        from .build_errors import show_node
        show_node(new[0])              # the canvas selects the new instance: its panel opens
    st.rerun()


def instance_panel(ws, node: dict, result: CheckResult, nested: bool = False) -> None:
    """A block instance selected: its block, shapes and params; expand, edit the block, rename it.
    ``nested``: an instance inside the block being edited (only "edit the block" applies)."""
    tab = ws.tab
    language = lang()
    name = (node.get("params") or {}).get("block")
    name = name if isinstance(name, str) else ""
    block = block_edit.definition(tab.doc, name)
    property_panel.heading(localized("blocks.instance_of", block=md_literal(name)),
                           f"{md_literal(node['id'])} · {localized('blocks.uses', n=block_edit.uses(tab.doc, name))}")
    if block is None:
        return
    if nested:
        if st.button(localized("blocks.edit"), help=localized("blocks.edit_help"), icon=":material/edit:",
                     key=f"blk_edit_nested_{node['id']}", width="stretch"):
            start_editing(ws, name)
            st.rerun()
        return
    inside = result.instances.get(node["id"])
    layers = sum(1 for n in block.get("nodes", []) if isinstance(n, dict) and n.get("type") not in ("Input", "Output"))
    st.caption(localized("blocks.inside", n=layers, params=f"{result.counts.get(node['id'], 0):,}"))
    if inside is not None or block.get("params"):
        _args_form(ws, node, block, language)
    c1, c2 = st.columns(2)
    _expand_button(ws, node, block, c1)
    if c2.button(localized("blocks.edit"), help=localized("blocks.edit_help"), icon=":material/edit:",
                 key=f"blk_edit_{node['id']}", width="stretch"):
        start_editing(ws, name)
        st.rerun()
    if st.button(localized("blocks.ungroup"), help=localized("blocks.ungroup_help"), icon=":material/call_split:",
                 key=f"blk_ungroup_{node['id']}", width="stretch"):
        _apply(ws, lambda: block_edit.expand(tab.doc, node["id"]))
    with st.form(key=f"blk_rename_{tab.key}_{node['id']}", border=False):
        typed = st.text_input(localized("blocks.name"), value=name, max_chars=64,
                              key=f"blk_rename_name_{tab.key}_{tab.rev}_{node['id']}")
        submitted = st.form_submit_button(localized("blocks.rename"), icon=":material/edit_note:", width="stretch")
    if submitted:
        try:
            doc = block_edit.rename_block(tab.doc, name, typed)
        except BlockEditError as exc:
            _refused(ws, exc)
            st.rerun()
        ws.edit(doc, replace_canvas=True)
        st.rerun()


def _expand_button(ws, node: dict, block: dict, column) -> None:
    """Expand in place (the canvas draws the instance's inside; nodes to its right make room) or
    collapse it back to one card: the same instance either way, so the model does not change."""
    shut = block_edit.collapsed(node)
    label, tip, icon, key = (("blocks.expand", "blocks.expand_help", ":material/unfold_more:", "blk_expand_") if shut else
                             ("blocks.collapse", "blocks.collapse_help", ":material/unfold_less:", "blk_collapse_"))
    if column.button(localized(label), help=localized(tip), icon=icon, key=key + node["id"], width="stretch"):
        room = inside_size(block)[0] - block_edit.NODE_W
        ws.edit(block_edit.set_collapsed(ws.tab.doc, node["id"], not shut, room if shut else -room),
                replace_canvas=True)
        st.rerun()


def _args_form(ws, node: dict, block: dict, language: str) -> None:
    """The instance's block params (``args``), one widget each. An edit is applied in the widget's
    callback, before the fragment's next run draws it; the fields keep their keys across edits and show
    what the graph holds (``session.graph_value``)."""
    declared = block.get("params") if isinstance(block.get("params"), dict) else {}
    if not declared:
        return
    st.markdown(f"**{localized('blocks.args')}**")
    args = block_edit.instance_args(ws.tab.doc, node)
    given = dict((node.get("params") or {}).get("args") or {})
    key = f"blk_args_{ws.tab.key}_{node['id']}"

    def apply(pname: str, wkey: str) -> None:
        if st.session_state.get(wkey) == args.get(pname):
            return                       # a field re-reporting what the graph holds is no edit
        ws.defer_saves()
        ws.edit(block_edit.set_args(ws.tab.doc, node["id"], {**given, pname: st.session_state[wkey]}),
                replace_canvas=True)

    for pname, decl in declared.items():
        if not isinstance(decl, dict):
            continue
        value = args.get(pname)
        help_text = pick(decl.get("help"), language) or None
        kind = decl.get("kind")
        wkey = f"{key}_{pname}"
        common = {"help": help_text, "key": wkey, "on_change": apply, "args": (pname, wkey)}
        if kind == "bool":
            st.toggle(pname, value=graph_value(wkey, bool(value)), **common)
        elif kind == "choice" and isinstance(decl.get("choices"), list) and decl["choices"]:
            choices = decl["choices"]
            index = choices.index(value) if value in choices else 0
            graph_value(wkey, choices[index])
            st.selectbox(pname, choices, index=index, **common)
        elif kind in ("int", "float") and isinstance(value, (int, float)) and not isinstance(value, bool):
            cast = int if kind == "int" else float
            lo, hi = decl.get("lo"), decl.get("hi")
            st.number_input(pname, value=graph_value(wkey, cast(value)), min_value=cast(lo) if lo is not None else None,
                            max_value=cast(hi) if hi is not None else None, step=cast(1) if kind == "int" else None,
                            **common)
        else:
            st.caption(f"{md_literal(pname)} = {md_literal(str(value))}")


__all__ = ["CanvasView", "annotate", "apply_canvas_event", "apply_canvas_graph", "body_annotations", "canvas_view",
           "editing", "editing_bar", "group_panel", "instance_panel", "node_panel", "palette_entries", "params_panel", "rev_suffix",
           "shown_doc", "start_editing", "stop_editing", "with_params"]
