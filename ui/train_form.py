"""The Train page's setup column: which graph(s), the data, the training options, the device, Start.

Widgets come from ``ui.train_config.FIELDS``. Their values live in the workspace, per mode
(saved with the session, so runs, page switches, reloads and language switches keep them),
and are written into each widget before it is drawn: Streamlit forgets the state of widgets
that are not drawn (the form is hidden while a run trains), and a widget drawn again without
its value shows its lowest value while Python still reads the old one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from builder.i18n import pick
from builder.shapes import check
from runtime.config import BY_NAME, ConfigError, TrainConfig, defaults
from runtime.settings import Setting
from ui import data_download, rl_view, train_config, train_teacher, train_transfer
from ui.literal import html_literal, md_literal
from ui.nav import page
from ui.session import device_text, labeller, lang, localized, workspace

CHOICE = "tp_graph_choice"  # {"active": key of Build's tab, "model": key, "disc": key}


@dataclass
class Setup:
    """What Start would train."""
    graph: dict
    graph_name: str
    discriminator: dict | None
    mode: str                     # as chosen (may be "auto")
    resolved: str                 # auto resolved
    values: dict
    data_choice: dict
    errors: list[str] = field(default_factory=list)     # block Start
    config: TrainConfig | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.config is not None


def _bind(key: str, value) -> None:
    """Show ``value`` in the widget ``key`` about to be drawn (see the module's docstring)."""
    st.session_state[key] = value


def setting_label(name: str) -> str:
    """A training setting's name in the session's language (its own words, runtime.config.SETTINGS)."""
    return pick(BY_NAME[name].label, lang())


def choice_label(name: str, value) -> str:
    return BY_NAME[name].choice_label(value, lang())


def _widget(f: Setting, key: str, on_change):
    language = lang()
    label = pick(f.label, language)
    kw = {"key": key, "help": pick(f.help, language), "on_change": on_change}
    if f.kind == "choice":
        return st.selectbox(label, f.choices, format_func=lambda v, f=f: f.choice_label(v, language), **kw)
    if f.kind == "bool":
        return st.toggle(label, **kw)
    if f.kind == "int":
        return st.number_input(label, min_value=int(f.lo), max_value=int(f.hi), step=int(f.step or 1), **kw)
    return st.number_input(label, min_value=float(f.lo), max_value=float(f.hi), step=float(f.step or 0.01),
                           format="%g", **kw)


def _fields(fields: list[Setting], mode: str, values: dict, cols: int = 2) -> None:
    """Draw fields two to a row, each showing ``values``; a change is saved in the workspace at once."""
    wide = {"loss", "schedule", "early_stopping", "compile", "device", "amp"}
    row = None
    slot = 0
    for f in fields:
        key = f"tp_{mode}_{f.name}"
        _bind(key, values[f.name])
        on_change = _saver(mode, f.name, key)
        if f.name in wide:
            _widget(f, key, on_change)
            row, slot = None, 0
            continue
        if row is None or slot >= cols:
            row, slot = st.columns(cols), 0
        with row[slot]:
            _widget(f, key, on_change)
        slot += 1


def _saver(mode: str, name: str, key: str):
    """The widget's callback: runs before the next script run, so that run draws the new value."""
    def save():      # only what the user set is kept: the rest follows the mode's and data set's defaults
        ws = workspace()
        ws.set_train(values={**ws.train_values(mode), name: st.session_state[key]}, for_mode=mode)
    return save


def _graph_choice(ws) -> tuple[int, int | None]:
    """The model (and discriminator) tabs: the Build page's current graph unless the user picked others here."""
    docs = [t.doc for t in ws.tabs]
    keys = [t.key for t in ws.tabs]
    model, disc = train_config.pick_graphs(docs, ws.active)
    choice = st.session_state.get(CHOICE) or {}
    if choice.get("active") != ws.tab.key:     # Build switched graphs: follow it
        choice = {"active": ws.tab.key}
    if choice.get("model") in keys:
        model = keys.index(choice["model"])
        disc = train_config.pick_discriminator(docs, model)
    if choice.get("disc") in keys and keys.index(choice["disc"]) != model:
        disc = keys.index(choice["disc"])
    st.session_state[CHOICE] = choice
    return model, disc


def data_summary(choice: dict, language: str) -> None:
    """The data the run will use (chosen on the Data page), with augmentation and split, in two lines."""
    if choice.get("upload"):
        name = str(choice["upload"]).replace("\\", "/").rsplit("/", 1)[-1]
        description = localized("trainpage.uploaded")
    else:
        name = choice.get("data") or "digits"
        try:
            from runtime.data import builtin
            description = pick(builtin.info(name, **(choice.get("data_options") or {})).description, language)
        except Exception:  # noqa: BLE001 - an unknown set fails as a run message; still say its name
            description = ""
    aug = train_config.augment_summary(train_config.effective_augment(choice))
    aug_text = ", ".join(f"{localized('trainpage.aug.' + k)} {v:g}" for k, v in aug) if aug else localized("trainpage.aug_none")
    parts = [localized("trainpage.val_split", pct=f"{100 * float(choice.get('val_split') or 0):.0f}")]
    if choice.get("test_split"):
        parts.append(localized("trainpage.test_split", pct=f"{100 * float(choice['test_split']):.0f}"))
    parts.append(localized("trainpage.augmentation", what=aug_text))
    if choice.get("label_noise"):
        parts.append(localized("trainpage.label_noise", pct=f"{100 * float(choice['label_noise']):.0f}"))
    st.markdown(f":material/dataset: **{localized('trainpage.data')}: {md_literal(name)}** &nbsp;·&nbsp; " + " · ".join(parts))
    if description:
        st.caption(description)


def setup_form(run_live: bool) -> Setup:
    """Draw the setup column; returns what Start would train (with the reasons it cannot)."""
    ws = workspace()
    language = lang()
    docs = [t.doc for t in ws.tabs]
    keys = [t.key for t in ws.tabs]
    names = {t.key: t.name for t in ws.tabs}
    model_i, disc_i = _graph_choice(ws)

    def picked(which: str, key: str):
        chosen = st.session_state.setdefault(CHOICE, {"active": ws.tab.key})
        chosen[which] = st.session_state.get(key)
        if which == "model":
            chosen.pop("disc", None)

    c1, c2 = st.columns([1.35, 1])
    with c1:
        if st.session_state.get("tp_model") != keys[model_i]:    # writing an unchanged value resets the widget
            st.session_state["tp_model"] = keys[model_i]
        st.selectbox(localized("trainpage.model"), keys, format_func=names.get, key="tp_model",
                     help=localized("trainpage.help.model"), on_change=picked, args=("model", "tp_model"))
    with c2:
        mode = ws.train_mode() if ws.train_mode() in train_config.MODES else "auto"
        _bind("tp_mode", mode)
        mode = st.selectbox(setting_label("mode"), list(train_config.MODES), format_func=labeller("mode."), key="tp_mode",
                            help=pick(BY_NAME["mode"].help, lang()),
                            on_change=lambda: ws.set_train(mode=st.session_state["tp_mode"]))

    graph = docs[model_i]
    data_choice = ws.data_choice()
    discriminator = None
    errors: list[str] = []
    result = check(graph)
    wants_gan = mode == "gan" or (mode == "auto" and train_config.is_gan_graph(graph))
    if wants_gan:
        others = [k for i, k in enumerate(keys) if i != model_i]
        if disc_i is None or keys[disc_i] not in others:
            disc_i = keys.index(others[0]) if others else None
        if disc_i is None:
            errors.append(localized("trainpage.need_discriminator"))
            st.warning(errors[-1], icon=":material/warning:")
        else:
            if st.session_state.get("tp_disc") != keys[disc_i]:
                st.session_state["tp_disc"] = keys[disc_i]
            st.selectbox(localized("trainpage.discriminator"), others, format_func=names.get, key="tp_disc",
                         help=localized("trainpage.help.discriminator"), on_change=picked, args=("disc", "tp_disc"))
            discriminator = docs[disc_i]

    resolved = mode
    if result.ok:
        try:
            resolved = train_config.resolve_mode(mode, graph, discriminator, data_choice)
        except Exception:  # noqa: BLE001 - inference problems surface as the run's message
            resolved = "classification"
    elif mode == "auto":
        resolved = (graph.get("meta") or {}).get("mode", "classification")
        resolved = "gan" if resolved.startswith("gan") else (resolved if resolved in train_config.CONCRETE_MODES else
                                                             "classification")
    if mode == "auto":
        st.caption(localized("trainpage.auto_is", mode=localized("mode." + resolved)))

    # a graph with errors cannot train: say why and where to fix it
    for which, res in (("model", result),) + ((("discriminator", check(discriminator)),) if discriminator else ()):
        if not res.ok:
            name = (discriminator if which == "discriminator" else graph).get("name", which)
            errors.append(localized("trainpage.graph_has_errors", name=md_literal(name), n=len(res.errors)))
            with st.container(border=True):
                st.error(errors[-1], icon=":material/error:")
                for err in res.errors[:6]:
                    st.markdown(f"- {md_literal(err.message(language))}")
                if len(res.errors) > 6:
                    st.caption(localized("trainpage.more_errors", n=len(res.errors) - 6))
                try:
                    st.page_link(page("build"), label=localized("trainpage.fix_on_build"), icon=":material/account_tree:")
                except Exception:  # noqa: BLE001 - the page runs without navigation in some tests
                    st.caption(localized("trainpage.fix_on_build"))

    env = None
    if resolved == rl_view.MODE:        # an agent acts in an environment, not on a data set
        env, fit_error = rl_view.environment_line(graph, result, data_choice)
        errors += [fit_error] if fit_error else []
    else:
        data_summary(data_choice, language)
    data_name = None if data_choice.get("upload") or env else data_choice.get("data")
    if data_name and data_download.needs_download(data_name):    # fetched here, with its progress, not in the run
        errors.append(localized("trainpage.download_first", name=md_literal(data_name)))
        data_download.panel(data_name)
    if result.ok and resolved == "classification":
        softmax_advice(ws, ws.tabs[model_i], result)

    # the options: the essentials in view, the rest in expanders
    values = train_config.restore_values(resolved, ws.train_values(resolved), data_name)
    defaults_caption(ws, resolved, data_name, values)
    _fields(train_config.visible_fields(resolved, values, "basic"), resolved, values)
    for group, icon in (("optimizer", ":material/tune:"), ("schedule", ":material/trending_down:"),
                        ("regularisation", ":material/compress:"), ("early_stopping", ":material/timer_off:"),
                        ("mode", ":material/category:"), ("run", ":material/memory:")):
        fields = train_config.visible_fields(resolved, values, group)
        if not fields:
            continue
        title = localized(f"trainpage.group.{group}", mode=localized("mode." + resolved))
        with st.expander(title, icon=icon):
            _fields(fields, resolved, values)

    values = train_teacher.teacher_section(resolved, result, values,
                                           lambda fields, shown: _fields(fields, resolved, shown))
    values = train_transfer.transfer_section(resolved, result, graph, data_choice, values)
    config = None
    try:
        config = train_config.build_config(values, data_choice, mode=mode if mode != "auto" or not wants_gan else "gan",
                                 resolved=resolved) if env is None else \
            train_config.build_config(values, {}, mode=rl_view.MODE, resolved=rl_view.MODE).merged(env=env)
    except ConfigError as exc:
        errors.append(md_literal(exc.message(language)))
        st.error(errors[-1], icon=":material/error:")
    device_line(values.get("device", "auto"))
    if run_live:
        st.caption(localized("trainpage.one_at_a_time"))
    return Setup(graph=graph, graph_name=graph.get("name", keys[model_i]), discriminator=discriminator, mode=mode,
                 resolved=resolved, values=values, data_choice=data_choice, errors=errors, config=config)


def defaults_caption(ws, mode: str, data: str | None, values: dict) -> None:
    """Where the form's values come from: the data set's own defaults, and the user's changes (which a
    button resets)."""
    language = lang()
    own = train_config.data_set_defaults(mode, data)
    if own:
        shown = " · ".join(f"{setting_label(n)} {train_config.field_by_name(n).format(v)}" for n, v in own.items())
        st.caption(localized("trainpage.defaults_for_data", data=md_literal(data), settings=shown))
    changed = [n for n in train_config.changed_fields(mode, ws.train_values(mode), data) if n in values]
    # always the same container, empty or not: the fields below keep their place in the page when the
    # first change shows the reset row (else they are drawn anew and the field being typed in loses focus)
    row = st.container(key="tp_defaults_row")
    if changed:
        c1, c2 = row.columns([3, 1.2], vertical_alignment="center")
        c1.caption(localized("trainpage.defaults_changed", names=", ".join(pick(BY_NAME[n].label, language) for n in changed)))
        if c2.button(localized("trainpage.defaults_reset"), key="tp_defaults_reset", icon=":material/restart_alt:"):
            ws.set_train(values={}, for_mode=mode)
            st.rerun()


def softmax_advice(ws, tab, result) -> None:
    """A Softmax before the Output under cross-entropy: say why it hurts and offer the fix."""
    from builder.advice import final_softmax_nodes, without_final_softmax
    from runtime.tasks import loss_kind
    nodes = final_softmax_nodes(result)
    saved = train_config.restore_values("classification", ws.train_values("classification"))
    try:
        kind = loss_kind(TrainConfig(loss=saved["loss"]), "classification", result)
    except ConfigError:
        return
    if not nodes or kind != "cross_entropy":
        return
    with st.container(key="tp_softmax_advice"):
        st.warning(localized("trainpage.softmax_last", node=md_literal(", ".join(nodes))), icon=":material/lightbulb:")
        if st.button(localized("trainpage.softmax_fix"), icon=":material/auto_fix_high:", key="tp_softmax_fix"):
            ws.edit(without_final_softmax(tab.doc, result), replace_canvas=True, tab=tab)
            st.toast(localized("trainpage.softmax_fixed"))
            st.rerun()


@st.cache_data(show_spinner=False)
def _device_facts(requested: str) -> tuple[dict | None, str | None]:
    from runtime import device
    from runtime.runs import app_run_threads
    try:
        chosen = device.pick(requested)
        # runs leave a core to the app (runtime.runs.app_run_threads), not this process's count
        return device.facts(chosen, threads=app_run_threads() if chosen.type == "cpu" else None), None
    except ConfigError as exc:
        return None, exc.code


def device_line(requested: str) -> None:
    facts, error = _device_facts(requested)
    if facts is None:
        st.warning(localized("train.no_device", device=requested), icon=":material/warning:")
    else:
        st.markdown(f":material/memory: {localized('trainpage.runs_on', device=device_text(facts))}")


def run_summary(job: dict, config: dict) -> None:
    """The settings of the run in progress (``config``: as it trains with them), read-only: while it
    trains there is nothing to change (one run at a time), and a short card keeps the live page light."""
    cfg = {**defaults(), **config}
    mode = cfg.get("mode", "auto")
    gan = mode == "gan"
    rows = [(localized("trainpage.model"), job.get("label", ""))]
    if job.get("discriminator"):
        rows.append((localized("trainpage.discriminator"), job["discriminator"].get("name", "")))
    data = cfg.get("upload") and str(cfg["upload"]).replace("\\", "/").rsplit("/", 1)[-1] or cfg.get("data", "")
    rate = "g_lr" if gan else "lr"
    if mode == rl_view.MODE:
        rows = rl_view.summary_rows(job, cfg, setting_label, choice_label)
    else:
        rows += [(localized("trainpage.data"), data),
                 (setting_label("mode"), localized("mode." + mode)),
                 (setting_label("optimizer"), choice_label("optimizer", cfg.get("optimizer", "adam"))),
                 (setting_label(rate), f"{cfg.get(rate, 0):g}"),
                 (setting_label("batch_size"), cfg.get("batch_size")),
                 (setting_label("epochs"), cfg.get("epochs")),
                 (setting_label("schedule"), choice_label("schedule", cfg.get("schedule", "none")))]
    if cfg.get("weight_decay"):
        rows.append((setting_label("weight_decay"), f"{cfg['weight_decay']:g}"))
    if cfg.get("early_stopping"):
        rows.append((setting_label("early_stopping"), localized("trainpage.es_summary", patience=cfg.get("es_patience"))))
    if cfg.get("teacher"):
        rows.append((localized("trainpage.teacher"), f"{str(cfg['teacher']).replace(chr(92), '/').rsplit('/', 1)[-1]} "
                     f"(α {cfg.get('kd_alpha', 0.5):g}, T {cfg.get('kd_temperature', 4.0):g})"))
    aug = train_config.augment_summary(cfg.get("augment"))
    if aug:
        rows.append((localized("trainpage.augmentation", what=""), ", ".join(localized("trainpage.aug." + k) for k, _ in aug)))
    cells = "".join(f"<div style='color:#6b7280'>{html_literal(k)}</div>"
                    f"<div style='font-weight:600;color:#111827;overflow-wrap:anywhere'>{html_literal(v)}</div>"
                    for k, v in rows)
    st.markdown(f"<div style='font-size:1.15rem;font-weight:600;margin-bottom:0.6rem'>"
                f"{html_literal(localized('trainpage.this_run'))}</div>"
                f"<div style='display:grid;grid-template-columns:auto 1fr;gap:0.35rem 1rem;font-size:0.95rem'>"
                f"{cells}</div>", unsafe_allow_html=True)
