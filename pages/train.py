"""Train: choose the settings, press Start, watch the network learn (curves, activations, diagnostics, runs)."""
from __future__ import annotations

import streamlit as st

from ui import train_form, train_live as live, train_runs
from ui.session import tr

live.prewarm()                      # a worker with torch imported waits for Start
run = live.current_run()            # the newest live run survives reloads and page switches
running = live.is_live(run)

setup_col, live_col = st.columns([1, 2.55], gap="medium")
with setup_col:
    with st.container(border=True, key="tp_setup"):
        start_slot = st.container()
        setup = train_form.setup_form(running)
        with start_slot:
            help_ = tr("trainpage.one_at_a_time") if running else (setup.errors[0] if setup.errors else
                                                                    tr("trainpage.help.start"))
            if st.button(tr("trainpage.start"), type="primary", icon=":material/play_arrow:", width="stretch",
                         key="tp_start", disabled=running or not setup.ok, help=help_):
                live.start_run(setup)
                st.rerun()
with live_col:
    live.live_panel(run)

live.activations_section(run)
live.diagnostics_section(run)
train_runs.runs_section(run)
