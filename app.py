"""NetCanvas: draw a network, see its shapes, train it live, take the code. (streamlit run app.py)"""
import streamlit as st

from ui.session import language_switch, tr

st.set_page_config(page_title="NetCanvas", page_icon=":material/hub:", layout="wide",
                   initial_sidebar_state="collapsed")

pages = [
    st.Page("pages/build.py", title=tr("nav.build"), icon=":material/account_tree:", default=True),
    st.Page("pages/train.py", title=tr("nav.train"), icon=":material/model_training:"),
]
nav = st.navigation(pages, position="top")
brand, switch = st.columns([5, 1.4], vertical_alignment="center")
brand.markdown(f"### :material/hub: NetCanvas &nbsp;<small style='color:#6b7280;font-weight:400'>"
               f"{tr('app.tagline')}</small>", unsafe_allow_html=True)
with switch:
    language_switch()
nav.run()
