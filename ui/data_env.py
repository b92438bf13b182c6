"""An environment as the Data page's data source (issue 20): choose CartPole-v1, Acrobot-v1 or MountainCar-v0;
see what it feeds the graph's Input (an observation) and asks of its Output (a value per action), one frame
of it, and whether the current graph fits, as for a data set. The choice is ``ws.data_choice()["env"]``,
which the Train page's agent form reads (ui.rl_view.graph_env)."""
from __future__ import annotations

import streamlit as st

from builder import templates
from runtime.config import ConfigError
from runtime.rl import envs
from ui import data_verdict
from ui.data_fit import env_fit_check
from ui.literal import md_literal
from ui.session import localized

NAMES = list(envs.ENVS)
DESCRIPTIONS = {"CartPole-v1": "dataenv.desc_cartpole", "Acrobot-v1": "dataenv.desc_acrobot",
                "MountainCar-v0": "dataenv.desc_mountaincar"}


def choose(ws, choice: dict) -> str:
    """The environment picker (left card); stores a new choice, clearing an upload. Returns the environment."""
    current = choice["env"] if choice["env"] in envs.ENVS else NAMES[0]
    name = st.selectbox(localized("dataenv.env"), NAMES, index=NAMES.index(current), key="data_env")
    if name != choice["env"]:
        ws.set_data_choice(env=name, upload=None, upload_options={})
    st.caption(localized(DESCRIPTIONS[name]))
    return name


@st.cache_data(show_spinner=False, max_entries=len(envs.ENVS))
def first_frame(name: str):
    """The environment's first frame after a reset with seed 0 (HxWx3 uint8), or None if it cannot render."""
    try:
        env = envs.make(name, seed=0, render=True)
    except ConfigError:
        return None
    try:
        env.reset()
        return env.render()
    except ConfigError:
        return None
    finally:
        env.close()


def panel(ws, name: str, language: str) -> None:
    """The right column: the environment's name, its shapes, the fit verdict and one frame."""
    spec = envs.spec(name)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f"#### :material/sports_esports: {md_literal(name)}")
        st.badge(localized("dataenv.badge"), color="blue")
        st.badge(localized("mode.rl"), color="violet")
    made_for = [t for t in templates.gallery() if t.meta.get("data") == name]
    data_verdict.show(ws, env_fit_check(name, ws.tab.doc), made_for, language)
    cols = st.columns(4)
    cols[0].metric(localized("dataenv.m_observation"), envs.shape_text(spec.obs_shape))
    cols[1].metric(localized("dataenv.m_actions"), spec.actions)
    cols[2].metric(localized("dataenv.m_solved"), f"{spec.solved:g}")
    cols[3].metric(localized("dataenv.m_steps"), spec.max_steps)
    frame = first_frame(name)
    if frame is not None:
        st.image(frame, width=360, caption=localized("dataenv.frame"))
    st.caption(localized("dataenv.how"))
