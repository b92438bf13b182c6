"""Widgets the user opens keep their identity across runs (ui.session.made_with): Streamlit counts an
expander's ``expanded`` and the tabs' ``default`` in their identity, and a widget made anew is drawn anew
in the browser with everything inside it (a file still uploading was lost so, on the Export page)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _code_view():
    import streamlit as st

    from ui.session import lasting_expander
    with lasting_expander(st.session_state.get("label", "Code"), "code_view"):
        st.write("inside")
    st.button("again")


def test_an_opened_expander_keeps_its_identity_in_the_runs_after():
    at = AppTest.from_function(_code_view, default_timeout=30).run()
    made = at.expander[0].proto.id
    at.session_state["code_view"] = True             # the user opens it: its on_change reruns
    at.run()
    ids = []
    for _ in range(2):
        at.button[0].click().run()
        ids.append(at.expander[0].proto.id)
    assert ids == [made, made]
    assert at.expander[0].proto.expanded is True and at.session_state["code_view"] is True


def test_a_new_label_makes_a_new_expander_that_stays_as_the_user_left_it():
    at = AppTest.from_function(_code_view, default_timeout=30).run()
    at.session_state["code_view"] = True
    at.run()
    at.session_state["label"] = "代码"                 # the language switch
    at.run()
    relabelled = at.expander[0].proto
    assert relabelled.label == "代码" and relabelled.expanded is True
    at.button[0].click().run()
    assert at.expander[0].proto.id == relabelled.id and at.session_state["code_view"] is True

