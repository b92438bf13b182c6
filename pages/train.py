"""Train: choose the settings, press Start, watch the network learn (curves, activations, diagnostics, runs)."""
from __future__ import annotations

import streamlit as st

from ui import live_plot, textgen_view, train_form, train_live, train_runs
from ui.session import ensure_app_shell, localized

ensure_app_shell()
train_live.calm_gc()                      # Streamlit's gc after each rerun must not cost 0.1 s
live_plot.ensure_plotly()           # the live charts draw with the plotly.js Streamlit loads
run = train_live.current_run()            # the newest live run survives reloads and page switches
running = train_live.is_live(run)
if not running:
    train_live.prewarm()                  # a worker with torch imported waits for Start (not during a run: it takes a core)

setup_col, live_col = st.columns([1, 2.55], gap="medium")
with setup_col:
    with st.container(border=True, key="tp_setup"):
        if running and not st.session_state.get("tp_prepare_next"):
            # while a run trains: its settings, read-only (a short card keeps each live refresh cheap)
            train_form.run_summary(run.job, run.config)
            st.caption(localized("trainpage.one_at_a_time"))
            st.toggle(localized("trainpage.prepare_next"), key="tp_prepare_next")
        else:
            start_slot = st.container()
            setup = train_form.setup_form(running)
            if running:
                st.toggle(localized("trainpage.prepare_next"), key="tp_prepare_next")
            with start_slot:
                help_ = localized("trainpage.one_at_a_time") if running else (setup.errors[0] if setup.errors else
                                                                        localized("trainpage.help.start"))
                if st.button(localized("trainpage.start"), type="primary", icon=":material/play_arrow:", width="stretch",
                             key="tp_start", disabled=running or not setup.ok, help=help_) and train_live.start_run(setup):
                    st.session_state["tp_prepare_next"] = False
                    st.rerun()
with live_col:
    train_live.live_panel(run)
    textgen_view.live_sample(run)             # a language model: what it writes now

train_live.insights(run)
train_runs.runs_section(run)
