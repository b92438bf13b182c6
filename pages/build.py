"""Build: draw the network on the canvas, see shapes and errors live, edit params, read the code."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from builder import templates
from builder.errors import FormatError
from builder.graph import read_document
from builder.i18n import pick
from ui import (build_blocks, build_errors, build_fragment, build_import, build_rename, build_view, canvas_check,
                data_warmup, init_compare_view, property_panel, workspace_view)
from ui.canvas import canvas_strings, graph_canvas, push_payload
from ui.literal import md_literal
from ui.session import ensure_app_shell, lang, lasting_expander, localized, workspace

ensure_app_shell()
ws = workspace()
language = lang()
tab = ws.tab
CANVAS_KEY = "canvas"


def canvas_rev() -> str:
    # Revs are per tab; the canvas compares them for equality, so tag them with the tab (and the block
    # whose definition it shows while one is edited, ui/build_blocks.py).
    return f"{ws.tab.key}:{ws.tab.rev}" + build_blocks.rev_suffix(ws)


# -- apply what the canvas sent before drawing anything (one edit = one rerun) ----------------
# (an edit reruns only the fragment below, which applies it; a whole-page run may find one too)
build_blocks.apply_canvas_event(ws, CANVAS_KEY, canvas_rev)   # an edit inside a block: its definition
workspace_view.conflicts(ws)     # a graph another browser tab saved first: which version to keep

# -- the workspace bar: open graphs (tabs) and what to do with them -------------------------------
bar = st.columns([5, 0.55, 0.55, 1.5, 1.3, 0.55, 0.55], vertical_alignment="bottom")
with bar[0]:
    choice = st.segmented_control(localized("build.graphs"), options=list(range(len(ws.tabs))), default=ws.active,
                                  format_func=lambda i: md_literal(ws.tabs[i].name),
                                  key=f"tabs_{len(ws.tabs)}_{ws.active}")
    if choice is not None and choice != ws.active:
        ws.select(choice)
        st.rerun()
undo_slot, redo_slot = bar[1], bar[2]     # undo and redo: drawn by the fragment below (history_buttons)


def close_gallery():
    st.session_state["gallery_open"] = False


@st.dialog(localized("build.templates_title"), width="large", on_dismiss=close_gallery)
def template_gallery():
    """Every template with what it teaches; drawn only while open (a popover's content would be
    sent with every edit: 100 elements of a 160-element page). Open while ``gallery_open``."""
    for tpl in templates.gallery():
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(f"**{tpl.name}** · {localized('mode.' + tpl.meta.get('mode', 'classification'))} · "
                    f"{localized('build.fits_data', data=tpl.meta.get('data', '?'))}")
        c1.caption(tpl.description(language))
        if c2.button(localized("build.open"), key=f"tpl_{tpl.key}"):
            ws.replace(tpl.document())
            ws.set_data_choice(data=None, data_options={}, upload=None, upload_options={})   # its own data set
            if tpl.partner:
                partner = templates.load(tpl.partner)
                existing = next((i for i, t_ in enumerate(ws.tabs) if t_.name == tpl.partner), None)
                if existing is None:
                    current = ws.active
                    ws.open_doc(partner)
                    ws.select(current)
            close_gallery()
            st.rerun()


with bar[3]:
    if st.button(localized("build.templates"), icon=":material/dashboard:", width="stretch", key="btn_templates"):
        st.session_state["gallery_open"] = True
if st.session_state.get("gallery_open"):
    template_gallery()

# keyed anew by Import model… so that it closes: left open, it covers the dialog's warning
with bar[4].popover(localized("build.file"), icon=":material/folder_open:", width="stretch", key=build_import.menu_key()):
    build_rename.rename_form(ws)
    st.download_button(localized("build.download"), data=build_fragment.document_download(tab), file_name=f"{tab.key}.json",
                       mime="application/json", icon=":material/download:", width="stretch")
    upload = st.file_uploader(localized("build.upload"), type=["json"], key=f"upload_{tab.key}")
    if upload is not None and st.session_state.get("uploaded_id") != upload.file_id:
        st.session_state["uploaded_id"] = upload.file_id
        try:
            doc = read_document(upload.getvalue())
            ws.open_doc(doc)
            st.rerun()
        except FormatError as exc:
            st.session_state["upload_error"] = exc.message(language)
    if st.session_state.get("upload_error"):
        st.error(localized("build.upload_failed", error=md_literal(st.session_state["upload_error"])))
    st.button(localized("import.ui_open"), icon=":material/upload_file:", width="stretch", key="btn_import",
              on_click=build_import.open_dialog)
    st.markdown(f"**{localized('build.saved')}**")
    for item in ws.saved_graphs()[:20]:
        if st.button(md_literal(item["key"]), key=f"saved_{item['key']}", disabled=item["open"],
                     icon=":material/description:"):
            ws.open_saved(item["key"])
            st.rerun()

if st.session_state.get(build_import.OPEN):
    build_import.import_dialog(ws)
build_import.weights_note()

with bar[5]:
    if st.button("", icon=":material/add:", help=localized("build.new"), width="stretch", key="btn_new"):
        ws.open_doc({"format": "netcanvas.graph", "version": 1, "name": "untitled", "nodes": [], "edges": []})
        st.rerun()
with bar[6]:
    if st.button("", icon=":material/close:", help=localized("build.close"), disabled=len(ws.tabs) < 2, width="stretch",
                 key="btn_close"):
        ws.close(ws.active)
        st.rerun()

# -- the canvas and its side panel: a fragment, so an edit on the canvas or in the side panel reruns only
# this part of the page; the summary and code below follow in a run of their own once the canvas has
# drawn (ui/build_fragment.py says how, and what else it keeps right)
build_fragment.remember_page(ws)
build_errors.style()
build_fragment.steady_style()
# The canvas's column and the side panel's, made by the page: both fragments draw into them. At the top
# of the side panel, the check's verdict (all is well, or every problem) is drawn by the summary's fragment.
main, side = st.container(key=build_fragment.WORK_KEY).columns([3.2, 1.3], gap="medium")
verdict_slot = side.container(key=build_fragment.VERDICT_KEY)


@st.fragment
def canvas_and_panels():
    data_warmup.touch()     # the user is at work: a warm-up still to come waits (ui/data_warmup.py)
    ws = workspace()
    ws.defer_saves()     # this run's edit is autosaved once all is drawn: not on the way to the canvas
    try:
        draw_canvas_and_panels()
    finally:
        ws.flush_history()   # a fragment rerun does not reach ui/shell.py's flush: the save, its undo steps
    build_fragment.rerun_page_if_changed(ws)   # the save found another browser tab's version: show it


def history_buttons(ws):
    """Undo and redo in the bar above, drawn by the fragment (a container outside it), so an edit that
    makes undo possible, and the buttons themselves, rerun only the fragment. Applied in their
    callbacks: before the fragment draws, with the buttons' state after it."""
    undo_slot.button("", icon=":material/undo:", help=localized("build.undo"), disabled=not ws.tab.undo,
                     width="stretch", key=build_fragment.UNDO_KEY, on_click=history_step, args=("undo",))
    redo_slot.button("", icon=":material/redo:", help=localized("build.redo"), disabled=not ws.tab.redo,
                     width="stretch", key=build_fragment.REDO_KEY, on_click=history_step, args=("redo",))


def history_step(name: str) -> None:
    ws = workspace()
    ws.defer_saves()
    if ws.undo() if name == "undo" else ws.redo():
        push_to_canvas(ws)


def push_to_canvas(ws) -> None:
    """Called in the callback of an edit made beside the canvas (a param, undo, redo), or as the
    fragment's run applies the canvas's own undo or redo: the canvas gets the new graph and its
    annotations over its socket at once (ui/canvas_check.py), not after the run's start, status and
    elements have been rendered. ``ack``: the canvas's last edit or command applied."""
    token = build_fragment.listen_token()
    if not canvas_check.listening(token):
        return
    language = lang()
    result = build_fragment.checked(ws.tab.doc)     # kept: the run that follows does not check it again
    view = build_blocks.canvas_view(ws, result, language, build_view.palette(language), build_view.annotations)
    if view.editing:        # the socket's canvas shows the graph, not a block's definition
        return
    canvas_check.push(token, push_payload(CANVAS_KEY, graph=view.doc, rev=canvas_rev(), palette=view.palette,
                                          annotations=view.annotations, view_key=view.view_key, ack=ws.tab.seq))


def draw_canvas_and_panels():
    ws = workspace()
    shown_rev = canvas_rev()
    selection = build_blocks.apply_canvas_event(ws, CANVAS_KEY, canvas_rev)   # an edit that reran only this
    if canvas_rev() != shown_rev:     # the canvas's undo or redo: it waits for the graph it brings back
        push_to_canvas(ws)
    build_fragment.rerun_page_if_changed(ws)     # it changed what the page above shows: draw it all
    history_buttons(ws)

    # -- check once; everything below shows this result ------------------------------------------------
    tab = ws.tab
    result = build_fragment.checked(tab.doc)
    view = build_blocks.canvas_view(ws, result, language, build_view.palette(language), build_view.annotations)

    with main:
        build_blocks.editing_bar(ws, view)

    with side:      # below the verdict (verdict_slot)
        build_blocks.show_message(ws)
        selected = [n for n in selection if view.doc and any(x.get("id") == n for x in view.doc.get("nodes", []))]
        focus = st.session_state.get(build_errors.FOCUS_NODE)
        node_id = selected[0] if len(selected) == 1 else (focus if not selected else None)
        node = next((n for n in view.doc.get("nodes", []) if n.get("id") == node_id), None)
        if node is not None:
            def apply_params(nid, params):      # a widget's callback, before the fragment's next run
                ws.defer_saves()
                ws.edit(build_blocks.with_params(ws, view, nid, params), replace_canvas=True)
                push_to_canvas(ws)
            with st.container(border=True, height=560):
                if not build_blocks.node_panel(ws, view, node, result):      # a block instance: its own panel
                    property_panel.render(node, f"prop:{language}:{tab.key}:{view.editing or ''}:{node['id']}",
                                          apply_params)
                for err in result.errors_for(node["id"]):
                    st.error(md_literal(err.text(language)))
                for advice in build_view.advice_for(result, node["id"]):
                    st.warning(md_literal(advice.text(language)), icon=":material/lightbulb:")
        elif len(selected) > 1:
            st.info(localized("build.multi_selected", n=len(selected)))
            build_blocks.group_panel(ws, view, selected)
        else:
            st.info(localized("build.select_hint"), icon=":material/touch_app:")
            build_blocks.unused_panel(ws, view)
            build_blocks.params_panel(ws, view)       # the edited block's params
            description = pick(tab.doc.get("meta", {}).get("description"), language)
            if description:
                st.caption(md_literal(description, multiline=True))

    # The canvas is drawn last: once it shows an edit, the summary's run follows (summary_request), and
    # nothing of this run is left to draw by then.
    with main:
        graph_canvas(view.doc, rev=canvas_rev(), palette=view.palette, annotations=view.annotations,
                     strings=canvas_strings(language), ack=tab.seq, key=CANVAS_KEY, height=view.height,
                     focus=build_errors.focus_request(), view_key=view.view_key,
                     drawn=build_fragment.summary_request(result),
                     quick_check=None if view.editing else {"url": canvas_check.CHECK_PATH, "lang": language,
                                                            "listen": build_fragment.listen_token()})


# -- the verdict, summary and code: a fragment of their own, updated after the canvas has drawn an edit ----
def verdict(result):
    """All is well (the parameter count), or every problem, each a link to its node."""
    if result.ok:
        st.success(localized("build.ok", params=f"{result.total_params:,}", mb=f"{build_view.model_size_mb(result):.2f}"),
                   icon=":material/check_circle:")
    else:
        build_errors.errors_list(result, language)


@st.fragment
def summary_and_code():
    ws = workspace()
    tab = ws.tab
    result = build_fragment.checked(tab.doc)      # the canvas's fragment checked this graph already
    build_fragment.summary_shows(result)
    # reruns this fragment once the canvas has drawn an edit; passes on a problem clicked in the verdict
    build_fragment.follow_the_canvas(focus=build_errors.focus_request())
    with verdict_slot:
        verdict(result)
    left, right = st.columns([3.2, 1.3], gap="medium")
    with left:
        st.subheader(localized("build.summary"))
        rows = build_view.summary_rows(result, language)
        if rows:
            share = localized("summary.share")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                         column_config={share: st.column_config.ProgressColumn(share, format="percent", min_value=0,
                                                                                 max_value=1),
                                        localized("summary.params"): st.column_config.NumberColumn(format="localized")})
        c1, c2, c3 = st.columns(3)
        c1.metric(localized("build.total_params"), f"{result.total_params:,}")
        c2.metric(localized("build.size"), f"{build_view.model_size_mb(result):.2f} MB")
        c3.metric(localized("build.layers"), len(tab.doc.get("nodes", [])))
        init_compare_view.render(tab.doc, result)
    with right:
        st.subheader(localized("build.code"))
        if result.ok:
            # The code is generated only to be shown (the view open) or downloaded (when clicked).
            st.download_button(localized("build.download_code"), data=build_fragment.code_download(tab.doc, result),
                               file_name=f"{tab.key}.py", mime="text/x-python", icon=":material/download:",
                               width="stretch")
            code_view = lasting_expander(localized("build.show_code"), build_fragment.CODE_VIEW_KEY,
                                         icon=":material/code:")
            if code_view.open:
                with code_view:
                    st.code(build_fragment.source(tab.doc, result), language="python", line_numbers=True)
        else:
            st.caption(localized("build.code_needs_valid"))
        st.caption(localized("build.autosaved", path=md_literal(ws.graphs_dir / f"{tab.key}.json")))


canvas_and_panels()
summary_and_code()
