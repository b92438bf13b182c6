"""The Streamlit script of NetCanvas: the page's header, the navigation and the page chosen (app.py serves it,
with the canvas's check socket beside it)."""
import streamlit as st

from ui import data_warmup
from ui import memory
from ui import plotly_preload
from ui import workspace_view
from ui.nav import FAVICON, all_pages
from ui.session import language_switch, localized, workspace

st.set_page_config(page_title="NetCanvas", page_icon=FAVICON, layout="wide",
                   initial_sidebar_state="collapsed")

data_warmup.touch()     # a run: the Data page's warm-up (below) waits for the user to pause
nav = st.navigation(all_pages(), position="top")
# Less empty space between the top navigation and the page.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:4.4rem;}</style>")
brand, switch = st.columns([5, 1.4], vertical_alignment="center")
brand.markdown(f"### :material/hub: NetCanvas &nbsp;<small style='color:#6b7280;font-weight:400'>"
               f"{localized('app.tagline')}</small>", unsafe_allow_html=True)
with switch:
    language_switch()
workspace_view.settings_notice()
try:
    nav.run()
finally:
    workspace().flush_history()     # this run's undo steps, after the page is drawn (never on an edit's path)
data_warmup.start_for_session()     # the Data page's imports and data, in the background once quiet, once
plotly_preload.preload_in_browser()   # the charts' JavaScript, when the browser is idle, once a session
memory.freeze_imports()     # after the page's imports: full garbage collections then skip their objects
