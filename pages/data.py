"""Data: choose a built-in set or upload one, see what it is, set the split, label noise and
augmentation, and check that the current graph fits it. The choice lives in the workspace
(``ws.data_choice()``), where the Train page reads it."""
from __future__ import annotations

import streamlit as st

from builder import templates
from builder.i18n import pick
from runtime.config import BY_NAME
from runtime.data import builtin
from runtime.data.builtin import OPTIONS_BY_NAME
from runtime.data.errors import DataError
from ui import data_download
from ui import data_audio, data_env, data_preview
from ui import data_upload
from ui import data_verdict, data_view
from ui import figures
from ui.data_fit import fit_check
from ui.literal import md_literal
from ui.session import ensure_app_shell, labeller, lang, localized, workspace

ensure_app_shell()
ws = workspace()
language = lang()
choice = ws.data_choice()
KIND_ORDER = ("image", "tabular", "points2d", "points", "sequence", "dna", "tokens", "trees", "ratings", "audio")
INFOS = {i.name: i for i in builtin.list_builtin()}
NAMES = sorted(INFOS, key=lambda n: (KIND_ORDER.index(INFOS[n].kind) if INFOS[n].kind in KIND_ORDER else 99,
                                     builtin.names().index(n)))


def failed_before(key: str, attempt) -> bool:
    """An option change that failed is not retried on every rerun (big files parse slowly)."""
    return st.session_state.get(f"failed_{key}") == attempt


def remember_failure(key: str, attempt, message: str) -> None:
    st.session_state[f"failed_{key}"] = attempt
    st.session_state[f"failed_{key}_msg"] = message


def option_widget(spec: data_view.OptionSpec, value, key: str):
    declared = OPTIONS_BY_NAME[spec.key]
    label, help_ = pick(declared.label, language), pick(declared.help, language)
    if spec.widget == "toggle":
        return st.toggle(label, value=bool(value), key=key, help=help_)
    if spec.widget == "text":
        return st.text_input(label, value=str(value), key=key, help=help_, max_chars=40)
    if spec.widget == "choice":
        return st.segmented_control(label, list(range(int(spec.low), int(spec.high) + 1)), default=int(value), key=key,
                                    help=help_, required=True)
    if spec.widget == "number":
        return st.number_input(label, min_value=int(spec.low), max_value=int(spec.high), value=int(value),
                               step=int(spec.step), key=key, help=help_)
    if spec.kind == "float":
        return st.slider(label, float(spec.low), float(spec.high), float(value), step=float(spec.step), key=key,
                         help=help_)
    return st.slider(label, int(spec.low), int(spec.high), int(value), step=int(spec.step), key=key, help=help_)


def share_slider(where, name: str, value: float, key: str, **kw) -> int:
    """A share setting (runtime.config.SETTINGS) as a percentage slider; returns the percentage."""
    s = BY_NAME[name]
    return where.slider(pick(s.label, language), int(100 * s.lo), int(100 * s.hi), int(round(value * 100)),
                        step=int(round(100 * s.step)), format="%d%%", key=key, help=pick(s.help, language), **kw)


# ============================================================================ left: choose
left, right = st.columns([1.22, 2.78], gap="large")
with left:
    card = st.container(border=True)
with card:
    source_label = labeller("datapage.source_")
    source = st.segmented_control(localized("datapage.source"), ["builtin", "upload", "env"], required=True,
                                  default="upload" if choice["upload"] else "env" if choice["env"] else "builtin",
                                  format_func=lambda s, env=localized("dataenv.source"): env if s == "env" else source_label(s),
                                  key="data_source", width="stretch")
    if source != "env" and choice["env"]:       # a data set again: the environment is no longer the choice
        ws.set_data_choice(env=None)
        choice = ws.data_choice()
    if source == "env":
        env_name = data_env.choose(ws, choice)
    elif source == "builtin":
        if choice["upload"]:                      # back to the built-in set chosen before the upload
            ws.set_data_choice(upload=None, upload_options={})
            choice = ws.data_choice()
        current = choice["data"] if choice["data"] in INFOS else NAMES[0]
        name = st.selectbox(localized("datapage.builtin"), NAMES, index=NAMES.index(current), key="data_builtin",
                            format_func=lambda n, kind=labeller("datapage.kind."): f"{n}  ·  {kind(INFOS[n].kind)}")
        if name != choice["data"]:
            ws.set_data_choice(data=name, data_options={}, upload=None, upload_options={})
            choice = ws.data_choice()
        st.caption(pick(INFOS[name].description, language).replace("`", ""))
        specs = data_view.option_specs(name)
        if specs:
            stored = {s.key: choice["data_options"].get(s.key, s.default) for s in specs}
            cols = st.columns(2)
            values = {}
            for i, spec in enumerate(specs):
                with cols[i % 2]:
                    values[spec.key] = option_widget(spec, stored[spec.key], key=f"opt_{name}_{spec.key}")
            wanted = data_view.clean_options(name, values)
            if wanted != data_view.clean_options(name, choice["data_options"]):
                attempt = (name, sorted(wanted.items()))
                if not failed_before("options", attempt):
                    try:
                        with st.spinner(localized("datapage.loading")):
                            data_preview.load_builtin(name, wanted)
                        ws.set_data_choice(data=name, data_options=wanted)
                        choice = ws.data_choice()
                    except DataError as exc:
                        remember_failure("options", attempt, exc.message(language))
                if failed_before("options", attempt):
                    st.error(md_literal(st.session_state["failed_options_msg"]), icon=":material/error:")
    else:
        file = st.file_uploader(localized("datapage.upload_label"), type=[e.lstrip(".") for e in data_upload.EXTENSIONS],
                                key="data_file", help=localized("datapage.upload_help", mb=data_upload.uploads.MAX_UPLOAD_BYTES // 2**20,
                                                           rows=f"{data_upload.uploads.MAX_ROWS:,}",
                                                           images=f"{data_upload.uploads.MAX_IMAGES:,}"))
        if file is None:
            st.session_state.pop("data_file_seen", None)
            st.session_state.pop("data_upload_error", None)
        elif st.session_state.get("data_file_seen") != file.file_id:
            st.session_state["data_file_seen"] = file.file_id
            with st.spinner(localized("datapage.reading", name=md_literal(file.name))):
                outcome = data_upload.accept_upload(ws, file.name, file.getvalue(), summarize=data_preview.load_upload)
            st.session_state["data_upload_error"] = None if outcome.ok else outcome.message(language)
            choice = ws.data_choice()
        folder = st.text_input(localized("datapage.folder_label"), key="data_folder", placeholder="/data/images",
                               help=localized("datapage.folder_help", images=f"{data_upload.MAX_STREAM_IMAGES:,}"))
        if folder.strip() and st.session_state.get("data_folder_seen") != folder.strip():
            st.session_state["data_folder_seen"] = folder.strip()
            with st.spinner(localized("datapage.reading", name=md_literal(folder.strip()))):
                outcome = data_upload.choose_folder(ws, folder.strip(), summarize=data_preview.load_upload)
            st.session_state["data_folder_error"] = None if outcome.ok else outcome.message(language)
            choice = ws.data_choice()
        if folder.strip() and st.session_state.get("data_folder_error"):
            st.error(localized("datapage.folder_failed", error=md_literal(st.session_state["data_folder_error"])),
                     icon=":material/error:")
        if st.session_state.get("data_upload_error"):
            st.error(localized("datapage.upload_failed", error=md_literal(st.session_state["data_upload_error"])),
                     icon=":material/error:")
        st.caption(localized("datapage.upload_formats"))
        path = choice["upload"]
        if path:
            kind = data_upload.kind_of(path)
            opts = dict(choice["upload_options"])
            key = data_upload.Path(path).parent.name
            new = dict(opts)
            if kind == "csv":
                try:
                    columns = data_upload.csv_columns(path)
                except DataError:
                    columns = [opts["target"]] if opts.get("target") else []
                targets = [None] + columns
                new["target"] = st.selectbox(
                    localized("datapage.csv_target"), targets,
                    index=targets.index(opts.get("target")) if opts.get("target") in targets else 0,
                    format_func=lambda c, none=localized("datapage.csv_no_target"): none if c is None else c, key=f"csv_target_{key}")
                new["task"] = st.segmented_control(
                    localized("datapage.csv_task"), list(data_upload.TASKS), default=opts.get("task", "auto"), required=True,
                    format_func=labeller("datapage.task."), key=f"csv_task_{key}")
                new["drop"] = st.multiselect(localized("datapage.csv_drop"), [c for c in columns if c != new["target"]],
                                             default=[c for c in opts.get("drop", []) if c in columns],
                                             key=f"csv_drop_{key}")
            elif kind in ("zip", "folder"):
                c1, c2 = st.columns(2)
                new["size"] = c1.select_slider(localized("datapage.zip_size"), list(data_upload.IMAGE_SIZES),
                                               value=opts.get("size", 28), key=f"zip_size_{key}")
                new["color"] = c2.segmented_control(localized("datapage.zip_color"), list(data_upload.COLORS),
                                                    default=opts.get("color", "grey"), required=True,
                                                    format_func=labeller("datapage.color."),
                                                    key=f"zip_color_{key}")
            wanted = data_upload.check_options(path, new)
            if wanted != data_upload.check_options(path, opts):
                attempt = (path, sorted((k, str(v)) for k, v in wanted.items()))
                if not failed_before("upload_options", attempt):
                    with st.spinner(localized("datapage.loading")):
                        outcome = data_upload.change_options(ws, path, wanted, summarize=data_preview.load_upload)
                    if outcome.ok:
                        choice = ws.data_choice()
                    else:
                        remember_failure("upload_options", attempt, outcome.message(language))
                if failed_before("upload_options", attempt):
                    message = md_literal(st.session_state["failed_upload_options_msg"])
                    st.error(localized("datapage.options_failed", error=message), icon=":material/error:")
        earlier = [p for p in data_upload.saved_uploads(ws.uploads_dir) if str(p) != str(choice["upload"])][:8]
        if earlier:
            with st.expander(localized("datapage.earlier_uploads"), icon=":material/history:"):
                for i, p in enumerate(earlier):
                    c1, c2 = st.columns([4, 1.2], vertical_alignment="center")
                    c1.markdown(f"{md_literal(p.name)}  \n<small>{p.stat().st_size / 2**20:.2f} MB</small>",
                                unsafe_allow_html=True)
                    if c2.button(localized("datapage.use"), key=f"reuse_{i}_{p.parent.name}"):
                        outcome = data_upload.reuse(ws, p, summarize=data_preview.load_upload)
                        st.session_state["data_upload_error"] = None if outcome.ok else outcome.message(language)
                        st.rerun()

if source == "env":                 # an agent's environment: no split, no samples
    with right:
        data_env.panel(ws, env_name, language)
    st.stop()

# ---------------------------------------------------------------------------- the chosen data
view = None
load_error = None
download_first = not choice["upload"] and data_download.needs_download(choice["data"])   # only on the button
try:
    with st.spinner(localized("datapage.loading")):
        if choice["upload"]:
            view = data_preview.load_upload(choice["upload"], choice["upload_options"])
        elif not download_first:
            view = data_preview.load_builtin(choice["data"], choice["data_options"])
except (DataError, OSError) as exc:
    load_error = exc.message(language) if isinstance(exc, DataError) else str(exc)

# The validation share and augmentation follow the data set (its own defaults: ws.data_choice): their
# widgets start again from the choice when the data set changes, not from the last set's positions.
data_identity = choice["upload"] or choice["data"]
if st.session_state.get("data_follow_for") != data_identity:
    for widget in ("data_val", "aug_padding", *(f"aug_{k}" for k in data_view.AUGMENT_KEYS)):
        st.session_state.pop(widget, None)
    st.session_state["data_follow_for"] = data_identity

# ============================================================================ left: split
with left, st.container(border=True):
    st.markdown(f"**:material/call_split: {localized('datapage.split_title')}**")
    c1, c2 = st.columns(2)
    val_pct = share_slider(c1, "val_split", choice["val_split"], "data_val")
    official_test = view.fixed_test if view is not None else data_download.official_test_size(choice)
    test_pct = share_slider(c2, "test_split", choice.get("test_split", 0.0), "data_test", disabled=bool(official_test))
    classification = view is not None and view.task == "classification"
    noise_pct = share_slider(st, "label_noise", choice["label_noise"], "data_noise",
                             disabled=view is not None and not classification)
    changes = {}
    if abs(val_pct / 100 - choice["val_split"]) > 1e-9:
        changes["val_split"] = val_pct / 100
    if abs(test_pct / 100 - choice.get("test_split", 0.0)) > 1e-9:
        changes["test_split"] = test_pct / 100
    if classification and abs(noise_pct / 100 - choice["label_noise"]) > 1e-9:
        changes["label_noise"] = noise_pct / 100
    if changes:
        ws.set_data_choice(**changes)
        choice = ws.data_choice()
    sizes = None
    if view is not None:
        try:
            sizes = data_view.split_sizes(view, choice["val_split"], choice.get("test_split", 0.0))
        except DataError as exc:
            st.error(md_literal(exc.message(language)), icon=":material/error:")
    if sizes:
        s1, s2, s3 = st.columns(3)
        s1.metric(localized("datapage.split.train"), f"{sizes['train']:,}")
        s2.metric(localized("datapage.split.val"), f"{sizes['val']:,}")
        s3.metric(localized("datapage.split.test"), f"{sizes['test']:,}")
        if official_test:
            st.caption(localized("datapage.std_official_test", n=f"{official_test:,}"))
        if classification and choice["label_noise"] > 0:
            st.caption(localized("datapage.noise_flips", n=data_view.flipped_labels(sizes["train"], choice["label_noise"]),
                          train=f"{sizes['train']:,}"))
        elif view is not None and not classification:
            st.caption(localized("datapage.noise_only_classes"))
if view is not None:
    with left:
        st.caption(f":material/lightbulb: {localized('datapage.tip.' + view.kind)}")

# ============================================================================ right: look and check
with right:
    if download_first:
        data_download.panel(choice["data"])
        st.stop()
    if load_error is not None or view is None:
        st.error(localized("datapage.load_failed", error=md_literal(load_error or "?")), icon=":material/error:")
        st.stop()

    title = data_upload.Path(choice["upload"]).name if choice["upload"] else view.name
    badges = [(localized("datapage.kind." + view.kind), "blue"), (localized("datapage.task." + view.task), "violet"),
              (localized("datapage.source_" + view.source), "gray")]
    head = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with head:
        st.markdown(f"#### :material/dataset: {md_literal(title)}")
        for text, color in badges:
            st.badge(text, color=color)
    if source == "upload" and not choice["upload"]:
        st.caption(localized("datapage.still_using", name=md_literal(view.name)))
    elif view.source == "upload":
        st.caption(localized("datapage.upload_desc", path=md_literal(choice["upload"])))

    # -- does the current graph fit? ---------------------------------------------------------
    others = [t_.doc for i, t_ in enumerate(ws.tabs) if i != ws.active]
    made_for = [] if choice["upload"] else [t for t in templates.gallery() if t.meta.get("data") == choice["data"]]
    data_verdict.show(ws, fit_check(view, ws.tab.doc, others), made_for, language)

    # -- numbers --------------------------------------------------------------------------------
    augmentable = view.is_image or view.kind == "audio"
    cols = st.columns(4 if augmentable else 3)
    cols[0].metric(localized("datapage.m_samples"), f"{view.n:,}")
    shapes = list(view.input_shapes.items())
    cols[1].metric(localized("datapage.m_shape"), data_view.fmt_shape(shapes[0][1]) if len(shapes) == 1 else
                   " · ".join(f"{md_literal(k)} {data_view.fmt_shape(s)}" for k, s in shapes),
                   help=", ".join(f"{md_literal(k)}: {data_view.fmt_shape(s)} {view.input_dtypes[k]}" for k, s in shapes))
    if view.num_classes:
        cols[2].metric(localized("datapage.m_classes"), view.num_classes)
    elif view.targets is not None and len(view.targets):
        cols[2].metric(localized("datapage.m_target"), f"{data_view.fmt_num(view.targets.min())} … {data_view.fmt_num(view.targets.max())}")
    else:
        cols[2].metric(localized("datapage.m_target"), localized("datapage.m_none"))
    if augmentable:
        n_aug = len([k for k in choice["augment"] if k in data_view.AUGMENT_KEYS])
        cols[3].metric(localized("datapage.m_augment"), localized("datapage.m_aug_on", n=n_aug) if n_aug else localized("datapage.m_aug_off"))

    # -- look at it: only the open tab's content is built (its figures are most of a run) ------------
    names = [localized("datapage.tab_samples"), localized("datapage.tab_classes")]
    if augmentable:
        names.append(localized("datapage.tab_augment"))
    tabs = st.tabs(names, key="data_tab", on_change="rerun")
    if tabs[0].open:
        with tabs[0]:
            data_preview.render_samples(view, language, choice["upload"])
    if tabs[1].open:
        with tabs[1]:
            data_preview.render_balance(view, sizes, language)
    if augmentable and tabs[2].open:
        with tabs[2]:
            stored = dict(choice["augment"] or {})
            c_top = st.columns([2.6, 1.3, 1.15, 0.95], vertical_alignment="bottom")
            c_top[0].caption(localized("datapage.augment_intro"))
            padding = "zeros" if view.kind == "audio" else c_top[1].selectbox(
                localized("datapage.aug_padding"), ["zeros", "border", "reflection"],
                index=["zeros", "border", "reflection"].index(stored.get("padding", "zeros")),
                format_func=labeller("datapage.padding."), key="aug_padding")
            if c_top[2].button(localized("datapage.aug_redraw"), icon=":material/casino:", key="aug_redraw",
                               width="stretch"):
                st.session_state["aug_seed"] = st.session_state.get("aug_seed", 0) + 1
            if c_top[3].button(localized("datapage.aug_reset"), icon=":material/restart_alt:", key="aug_reset",
                               width="stretch"):
                ws.set_data_choice(augment={})
                for k in data_view.AUGMENT_KEYS:
                    st.session_state.pop(f"aug_{k}", None)
                st.rerun()
            grid = st.columns(3)
            values = {"padding": padding}
            for i, aug in enumerate(data_audio.augmentations_for(view)):
                k = aug.name
                fmt = "%d°" if k == "rotation" else "%.2f"
                grey = data_view.colour_refused(view, k)      # hue/saturation on grayscale: off, and why
                with grid[i % 3]:
                    values[k] = st.slider(pick(aug.label, language), float(aug.lo), float(aug.hi), float(stored.get(k, 0.0)),
                                          step=aug.step, format=fmt, key=f"aug_{k}", help=pick(aug.help, language),
                                          disabled=grey is not None)
                    if grey is not None:
                        values[k] = 0.0
                        st.caption(localized("datapage.aug_rgb_only", channels=grey))
            try:
                wanted = data_view.clean_augment(values)
                if wanted != data_view.clean_augment(stored):
                    ws.set_data_choice(augment=wanted)
                    st.rerun()              # the numbers above show the augmentation count
            except DataError as exc:
                st.error(md_literal(exc.message(language)))
                wanted = data_view.clean_augment(stored)
            if view.kind == "audio":
                data_audio.render_augment_preview(view, wanted, st.session_state.get("aug_seed", 0), language)
            pair = data_view.augment_preview(view, wanted, seed=st.session_state.get("aug_seed", 0))
            if pair is not None:
                before, after = pair
                lo = float(min(before.min(), 0.0))
                hi = float(max(before.max(), 1.0))
                titles = data_view.mosaic_titles(view, len(before))
                data_preview.plot(figures.image_mosaic(before, titles, title=localized("datapage.before"), cols=8,
                                                  zrange=(lo, hi), uirevision="aug_before"), key="aug_before")
                data_preview.plot(figures.image_mosaic(after, titles, title=localized("datapage.after") if wanted else
                                                  localized("datapage.after_none"), cols=8, zrange=(lo, hi),
                                                  uirevision="aug_after"), key="aug_after")
