"""NetCanvas: draw a network, see its shapes, train it live, take the code. (streamlit run app.py)"""
import streamlit as st

from ui.session import language_switch, tr

st.set_page_config(page_title="NetCanvas", page_icon=":material/hub:", layout="wide")

pages = [
    st.Page("pages/build.py", title=tr("nav.build"), icon=":material/account_tree:", default=True),
]
nav = st.navigation(pages)
with st.sidebar:
    st.markdown(f"## :material/hub: NetCanvas\n{tr('app.tagline')}")
    language_switch()
nav.run()
