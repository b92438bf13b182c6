"""The least an edit can cost in Streamlit: a fragment holding one number input and one line that shows
its value (bench/build_page_bench.py times an edit here beside the Build page's, in the same run)."""
import streamlit as st


@st.fragment
def echo():
    value = st.number_input("value", value=0, key="value")
    st.markdown(f"shown {value}")


echo()
