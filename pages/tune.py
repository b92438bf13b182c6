"""Tune: search hyperparameters with Optuna (a study of normal runs), follow it live, use its best trial."""
from __future__ import annotations

import streamlit as st

from ui import tune_live, tune_space
from ui.literal import md_literal
from ui.session import ensure_app_shell, localized

ensure_app_shell()
tune_live.go_to_train_if_asked()          # "Train the best" started a run: the Train page shows it
setup_col, study_col = st.columns([1, 2.3], gap="medium")
with study_col:
    running = tune_live.study_panel()
with setup_col:
    with st.container(border=True, key="tune_setup"):
        tuned = tune_space.workspace_setup()
        st.markdown(localized("tunepage.tunes", graph=md_literal(tuned.graph.get("name", "model")), data=md_literal(tuned.data),
                              mode=localized("mode." + tuned.mode)))
        if tuned.error:
            st.error(tuned.error, icon=":material/error:")
        space = tune_space.space_editor(tuned) if not tuned.error else []
        tune_space.options_and_start(tuned, space, running)
